/**
 * The ONE store interface of the System Host. Two implementations pass the same contract suite
 * (`contract.ts`): embedded SQLite (`sqlite.ts`, the default) and PostgreSQL (`postgres/`).
 *
 * Exactly-once is a store primitive: every state change is a `Write` carrying `(from, messageId,
 * fingerprint)` and an `Effect`. `apply(writes)` runs ONE transaction in which, for each write in
 * order, the store
 *   1. looks up the idempotency record `(from, messageId)`:
 *      same fingerprint → `repeat` with the stored result (nothing else happens);
 *      different fingerprint → `conflict` (nothing happens);
 *   2. otherwise applies the effect (deciding with the pure rules in `rules.ts`, so both stores
 *      decide alike) and stores the result under `(from, messageId)` — or, when the effect is
 *      refused, stores NOTHING (a refused message changes nothing and may be re-sent later).
 * Writes later in the same batch see the effects of earlier ones (a repeat inside one batch is a
 * `repeat`). One write's refusal never undoes another's. The promise resolves only after COMMIT is
 * durable, so callers may acknowledge then — this is what group commit batches over.
 * Idempotency records are never expired: they live as long as the orders they protect.
 *
 * Money is integer micro-units (`Money` from protocol) everywhere in the store. Times are ISO strings
 * supplied by the caller (`Write.at`), so tests control time.
 */
import type { ErrorCode, Money, RegistrationSide, SignedEndorsement } from "@quickpay/protocol";

export type PlayerKind = "wallet" | "vendor" | "broker" | "host";
export type PlayerStatus = "active" | "suspended";

export interface PlayerRecord {
  id: string;
  kind: PlayerKind;
  publicKey: string;
  status: PlayerStatus;
  registeredAt: string;
  name?: string;
  endpoint?: string;
  /** Vendors only: the web origins of its shop. An origin belongs to at most one vendor. */
  origins?: string[];
}

/** What one side tells the host about one order digest. */
export interface RegistrationInput {
  side: RegistrationSide;
  orderDigest: string;
  commitId: string;
  vendorId: string;
  amount: Money;
  /** Commit side only: the broker's signed endorsement, verbatim (already verified by the caller). */
  endorsement?: SignedEndorsement;
  /**
   * Order side only: the salt the wallet opened its payer tag with. The side counts in the vote only
   * when `payerTag(from, payerSalt)` is the endorsement's tag. Never shown in the public order view.
   */
  payerSalt?: string;
}

export interface StoredRegistration extends RegistrationInput {
  from: string;
  messageId: string;
  recordedAt: string;
  /** Disagreed (commit id, vendor or amount) with a registration of the same digest recorded before it. */
  flagged: boolean;
}

/** The result stored for one registration: exactly protocol's `Registered`. */
export interface RegisteredResult {
  orderDigest: string;
  side: RegistrationSide;
  recordedAt: string;
  flagged: boolean;
}

export interface RevokeRecord {
  orderDigest: string;
  commitId: string;
  vendorId: string;
  brokerId: string;
  amount: Money;
  reason?: string;
  messageId: string;
  revokedAt: string;
}

export type SettlementPath = "host" | "broker";

export interface SettlementRecord {
  orderDigest: string;
  vendorId: string;
  brokerId: string;
  commitId: string;
  amount: Money;
  path: SettlementPath;
  settledAt: string;
  /** Host path: the signed approval posted to the broker (opaque JSON to the store); broker path:
   * `{ statementId }` of the broker's settlement statement. */
  approval?: unknown;
}

/** A mailbox message as stored and fetched. */
export interface MailRecord {
  /** Opaque, increasing within one recipient's mailbox. */
  cursor: string;
  to: string;
  from: string;
  messageId: string;
  kind: string;
  body: unknown;
  postedAt: string;
}

/** A message to post. `to` is a player id, or "the wallet that registered order D" (resolved in the tx). */
export interface MailInput {
  /** `walletOfOrder` is rules.ts `walletOfOrder`; with `endorsedBy`, only that broker's endorsements
   * of the order name the wallet (a refund notice). */
  to: { playerId: string } | { walletOfOrder: string; endorsedBy?: string };
  kind: string;
  body: unknown;
}

/** One order as settlement needs it, the host signs before the transaction and the store re-checks. */
export interface SettleItem {
  orderDigest: string;
  /** A broker-signed endorsement the vendor presented (verified by the caller), when it has one. */
  presentedEndorsement?: SignedEndorsement;
  /**
   * The host's signed approval, prepared from a read before the transaction. The store applies it
   * only if, inside the transaction, `decideSettlement` still approves with exactly these facts;
   * otherwise the item is rejected with the rule's reason. Absent → the caller predicted a rejection
   * and the store only reports the reason.
   */
  approval?: { commitId: string; brokerId: string; amount: Money; document: unknown };
}

export type SettleItemResult =
  | { orderDigest: string; status: "approved"; approval: unknown }
  | { orderDigest: string; status: "rejected"; code: ErrorCode; reason: string };

/** Every state change the host makes. `result` types are listed in `EffectResult`. */
export type Effect =
  /** Register Wallet / Register Vendor / Add Broker. Same id + same key again → no change (a vendor's
   * name, endpoint and origins are updated). Refused `conflict` when an origin belongs to another
   * vendor and is not in `takeOrigins` (`player-rules.ts` decides, for both stores). */
  | {
      kind: "registerPlayer";
      player: PlayerRecord;
      /** Origins the host has just proven this vendor controls: taken from whichever vendor holds one
       * (the current proof wins), which also loses its endpoint if it lay on that origin. */
      takeOrigins?: string[];
      /** A key rotation: this vendor replaces the vendor `rotatedFrom`, which is suspended and loses
       * every origin and its endpoint. Refused `unknown_player` / `forbidden` when that is no vendor. */
      rotatedFrom?: string;
    }
  /** Suspend / reactivate. Refused `unknown_player`. */
  | { kind: "setPlayerStatus"; playerId: string; status: PlayerStatus }
  /** Register Commit / Delivery / Order, single or batched. Never refused; disagreements are flagged. */
  | { kind: "register"; registrations: RegistrationInput[] }
  /** Register Revoke; posts `alert` to the vendor's mailbox in the same tx. Refused `revoked` when
   * this broker already revoked the digest by another message, `mismatch` when this broker registered
   * a commitment for the digest that the revoke does not name (or names with another vendor or
   * amount). Recorded even before the broker's commit side is registered: each broker's revoke of a
   * digest is its own record and the vote counts only the endorsing broker's (rules.ts). */
  | { kind: "revoke"; revoke: Omit<RevokeRecord, "messageId" | "revokedAt">; alert: MailInput }
  /** Settle With Host for the requesting vendor: each approved item is recorded as a settlement
   * (path `host`) and its `approval.document` posted to the broker's mailbox as kind
   * `SettlementApproval` in the same tx. Mail produced by an effect has `from` = `Write.from` and
   * `messageId` = `Write.messageId`. */
  | { kind: "settle"; vendorId: string; items: SettleItem[] }
  /** Register Settlement: the broker settled these digests itself (Settle With Broker). Each digest
   * is recorded as a settlement (path `broker`) when this broker registered its commitment for this
   * vendor and it is neither revoked nor settled by this broker; one the host already approved for
   * this broker's endorsement is reported in `alreadySettled` and left unchanged. Another broker's
   * records for the same digest change nothing here. Never refused as a whole. */
  | {
      kind: "registerSettlement";
      brokerId: string;
      vendorId: string;
      statementId: string;
      orderDigests: string[];
    }
  /** Post Message. Refused `not_registered` when `walletOfOrder` names a digest no wallet registered,
   * `unknown_player` when the recipient is not in the directory. */
  | { kind: "post"; mail: MailInput };

export interface EffectResult {
  registerPlayer: { playerId: string };
  setPlayerStatus: { playerId: string; status: PlayerStatus };
  register: { registered: RegisteredResult[] };
  revoke: { orderDigest: string; revokedAt: string };
  settle: { results: SettleItemResult[] };
  registerSettlement: {
    statementId: string;
    recorded: string[];
    alreadySettled: string[];
    rejected: { orderDigest: string; code: ErrorCode; reason: string }[];
  };
  /** Never names the recipient: a vendor posting to "the wallet of order D" must not learn it. */
  post: { postedAt: string };
}

export interface Write<E extends Effect = Effect> {
  /** The sender's player id, or `operator` for operator actions. */
  from: string;
  messageId: string;
  /** `envelopeFingerprint` of the message: same id + same fingerprint is a repeat. */
  fingerprint: string;
  /** When the host recorded it (ISO). */
  at: string;
  effect: E;
}

export type Outcome<R = unknown> =
  | { status: "applied"; result: R }
  | { status: "repeat"; result: R }
  | { status: "conflict"; message: string }
  | { status: "refused"; code: ErrorCode; message: string; details?: unknown };

/**
 * Everything the host knows about one order digest (the dispute view). Revokes and settlements are
 * per broker — at most one of each per (digest, broker) — so a second broker that registered its own
 * commitment for a digest cannot take the place of the endorsing broker's; normally each list has
 * at most one entry.
 */
export interface OrderRecord {
  orderDigest: string;
  /** In the order they were recorded. */
  registrations: StoredRegistration[];
  /** In the order they were recorded. */
  revokes: RevokeRecord[];
  /** In the order they were recorded. */
  settlements: SettlementRecord[];
}

export interface ListOptions {
  limit?: number;
  /** Exclusive lower bound on the id (players) for paging. */
  after?: string;
}

export interface HostStore {
  /** `sqlite` or `postgres`, for health and logs. */
  readonly kind: string;
  /** Applies writes in one durable transaction; one outcome per write, in order. */
  apply(writes: Write[]): Promise<Outcome[]>;

  getPlayer(id: string): Promise<PlayerRecord | undefined>;
  /** The active-or-suspended vendor whose shop is at exactly this origin. */
  findVendorByOrigin(origin: string): Promise<PlayerRecord | undefined>;
  /** Ordered by id. */
  listPlayers(options?: ListOptions & { kind?: PlayerKind }): Promise<PlayerRecord[]>;

  getOrder(orderDigest: string): Promise<OrderRecord>;
  /** Orders with at least one registration, ordered by digest (for export / reports). */
  listOrderDigests(options?: ListOptions): Promise<string[]>;
  /** Settlements with `settledAt` in [since, until), ordered by settledAt, digest, broker. */
  listSettlements(options?: { since?: string; until?: string }): Promise<SettlementRecord[]>;

  /** Messages for `playerId` after `cursor` (all when omitted), oldest first. */
  fetchMessages(playerId: string, cursor: string | undefined, limit: number): Promise<MailRecord[]>;

  /** Insert-if-absent for host-wide settings (e.g. the host key); returns the value that won. */
  initMeta(key: string, value: string): Promise<string>;
  getMeta(key: string): Promise<string | undefined>;

  /** Row counts for metrics, with exactly these keys: wallets, vendors, brokers, registrations,
   * orders (distinct digests), settlements, revokes, messages. */
  counts(): Promise<Record<string, number>>;
  /** Highest applied migration version (the `schema_migrations` table). */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

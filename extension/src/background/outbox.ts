/**
 * The outbox (DESIGN §2): everything the Wallet must get acknowledged — Register Wallet and Register
 * Order to the host, and an approved purchase's Inquiry Payment and Request Order Delivery — is
 * written to IndexedDB first and resent under the same id until acknowledged or given up, by the
 * protocol's one resend loop (`Resender`) over this IndexedDB `ResendStore`. Neither a dead service
 * worker nor a browser restart loses or doubles a message: the attempt count, the next attempt time
 * and the deadline live in the item, and an acknowledgement commits in the same transaction as its
 * effect (the purchase moving on, the next item queued).
 *
 * While the worker lives the Resender's timer sends what falls due; the service worker also arms an
 * alarm at `nextDueAt()` so a worker that was stopped is woken for it.
 */
import type { Json } from "@quickpay/paycards";
import {
  type DrainReport,
  type FetchLike,
  isRetryable,
  QuickPayError,
  Resender,
  type ResenderLogger,
  type RetryPolicy,
  type Signer,
  sendMessage,
  signEnvelope,
} from "@quickpay/protocol";
import type { OutboxItem, OutboxType, WalletDatabase } from "./db";
import { IdbResendStore, newOutboxItem, type OutboxKinds } from "./outbox-store";

/**
 * Host messages and Forget Paycard: gentle on a receiver that is down for a while (nobody waits on
 * them; the record, or the broker revoking a removed Paycard's credential, can come later).
 */
export const HOST_POLICY: RetryPolicy = { baseMs: 2_000, capMs: 10 * 60_000 };
/** Inquiry Payment: a person is waiting, and the order expires in minutes (its deadline). */
export const INQUIRY_POLICY: RetryPolicy = { baseMs: 1_000, capMs: 5_000 };
/** Request Order Delivery: soon at first (a person waits), then at most every 5 minutes for days. */
export const DELIVERY_POLICY: RetryPolicy = { baseMs: 1_000, capMs: 5 * 60_000 };
/** The one retry policy per kind of item. */
export function retryPolicyFor(item: Pick<OutboxItem, "type">): RetryPolicy {
  switch (item.type) {
    case "InquiryPayment":
      return INQUIRY_POLICY;
    case "RequestOrderDelivery":
      return DELIVERY_POLICY;
    case "RegisterWallet":
    case "RegisterOrder":
    case "ForgetPaycard":
      return HOST_POLICY;
  }
}

/**
 * Which failures are worth another attempt: the protocol's `isRetryable` ("not now" codes and
 * failures with no answer at all), plus the Wallet's own: before Register Wallet is acknowledged
 * the host and the brokers do not know this wallet yet (`unknown_player`, `not_registered`); and a
 * Wallet locked meanwhile (`wallet_locked`: nothing was sent, the key was not there to sign it).
 */
export function retryableFor(item: Pick<OutboxItem, "type">, error: unknown): boolean {
  if (isRetryable(error)) return true;
  const code = (error as QuickPayError).code;
  // The Wallet locked itself (idle) while this was queued: it goes once the shopper unlocks (lock.ts).
  if (code === "wallet_locked") return true;
  switch (item.type) {
    case "RegisterWallet":
    case "RegisterOrder":
      return code === "unknown_player" || code === "not_registered";
    case "InquiryPayment":
    case "ForgetPaycard":
      return code === "not_registered";
    case "RequestOrderDelivery":
      return false;
  }
}

export interface OutboxDeps {
  db: WalletDatabase;
  kinds: OutboxKinds;
  now?: () => Date;
  /** The jitter's dice (tests may fix it). */
  random?: () => number;
  /** Run the resend loop's own timer while started (default true). */
  timer?: boolean;
  logger?: ResenderLogger;
  /**
   * Hears the next due time whenever the resend loop re-arms its timer (after every drain while
   * started): the service worker arms its alarm there, for when the worker is gone by then.
   */
  onScheduled?: (nextDueAt: number | undefined) => void;
}

export class Outbox {
  private readonly resender: Resender<OutboxItem>;
  private readonly store: IdbResendStore;

  constructor(private readonly deps: OutboxDeps) {
    const now = () => deps.now?.() ?? new Date();
    this.store = new IdbResendStore(deps.db, deps.kinds, now, () => this.kick(), deps.onScheduled);
    this.resender = new Resender<OutboxItem>({
      store: this.store,
      send: (item) => deps.kinds[item.type].send(item),
      policy: retryPolicyFor,
      retryable: (error, item) => retryableFor(item, error),
      now: () => now().getTime(),
      ...(deps.random ? { random: deps.random } : {}),
      timer: deps.timer ?? true,
      ...(deps.logger ? { logger: deps.logger } : {}),
      name: "wallet-outbox",
    });
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Starts the timer and sends whatever is due (what a previous worker left, too). */
  start(): void {
    this.resender.start();
  }

  /** Stops the timer and waits for a send under way; every item stays stored. */
  async stop(): Promise<void> {
    await this.resender.stop();
  }

  /** Something was queued: send it soon (while started; before that, only `drain` sends). */
  kick(): void {
    this.resender.kick();
  }

  /** Sends what is due now (every unacknowledged item with `all`), once. */
  drain(options: { all?: boolean } = {}): Promise<DrainReport> {
    return this.resender.drain(options);
  }

  /** Makes every pending item of `type` due now and sends what is due (a person is waiting on it). */
  async hurry(type: OutboxType): Promise<DrainReport> {
    const tx = this.deps.db.transaction("outbox", "readwrite");
    const now = this.now().getTime();
    for (const item of await tx.store.index("byState").getAll("pending")) {
      if (item.type === type && item.nextAttemptAt > now) await tx.store.put({ ...item, nextAttemptAt: now });
    }
    await tx.done;
    return this.drain();
  }

  /** Queues a message; `id` makes enqueueing itself idempotent (an existing id is kept as is). */
  async enqueue(
    type: OutboxType,
    body: Json,
    id: string,
    extra: { purchaseId?: string; deadline?: number } = {},
  ): Promise<OutboxItem> {
    const tx = this.deps.db.transaction("outbox", "readwrite");
    const existing = await tx.store.get(id);
    const item = existing ?? newOutboxItem(type, body, id, this.now(), extra);
    if (!existing) await tx.store.put(item);
    await tx.done;
    if (!existing) this.kick();
    return item;
  }

  /** Unacknowledged items, whether or not they may be sent yet. */
  pending(): Promise<OutboxItem[]> {
    return this.deps.db.getAllFromIndex("outbox", "byState", "pending");
  }

  /** Epoch ms when the next item that may be sent falls due, for the service worker's alarm. */
  nextDueAt(): Promise<number | undefined> {
    return this.store.peekNextDueAt();
  }
}

export interface HostSenderDeps {
  hostUrl: string;
  fetch?: FetchLike;
  now?: () => Date;
  /** The wallet's signer, or undefined before the key pair exists. */
  signer: () => Promise<Signer | undefined>;
}

/**
 * Sends a host message. Each attempt is signed afresh with a new `at` under the same id (the host
 * treats the same id with the same type and body as a repeat), because a message may wait in the
 * outbox longer than the freshness window.
 */
export function hostSender(deps: HostSenderDeps): (item: OutboxItem) => Promise<unknown> {
  return async (item) => {
    if (item.type !== "RegisterWallet" && item.type !== "RegisterOrder") {
      throw new QuickPayError("internal", `${item.type} is not a host message`);
    }
    const signer = await deps.signer();
    if (!signer) throw new QuickPayError("not_registered", "the wallet has no key pair yet");
    const envelope = await signEnvelope(signer, item.type, item.body, {
      id: item.id,
      at: deps.now?.() ?? new Date(),
    });
    return sendMessage(deps.hostUrl, item.type, envelope as never, {
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
  };
}

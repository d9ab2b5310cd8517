/** What every broker handler gets: the broker's identity, its ledger, the directory and its settings. */
import type { DirectoryClient, FetchLike, KeyPair } from "@quickpay/protocol";
import { DEFAULT_SETTLE_WITHIN_MS, type Ledger } from "./ledger";
import type { CommitOutbox } from "./outbox-sender";
import type { AnswerPolicy } from "./policy";

export interface BrokerSettings {
  /** Add Paycard: the module ids (and so Paycards) this broker accepts in Confirm Paycard. */
  moduleIds: string[];
  /** How long the questions of one Add Paycard may be answered. Default 10 minutes. */
  sessionTtlMs: number;
  /** Wrong answers allowed per session before `too_many_attempts`. Default 3. */
  maxAttempts: number;
  /** How long an unclaimed endorsement (and its hold) lives, by order kind. Default 15 minutes each. */
  holdTtlMs: { micro: number; regular: number };
  /**
   * How long a hold claimed by Check Commit waits for the vendor to settle it before it is released
   * (and a later settlement refused `order_expired`). Default 30 days after the claim.
   */
  settleWithinMs: number;
}

export const defaultBrokerSettings: Omit<BrokerSettings, "moduleIds"> = {
  sessionTtlMs: 10 * 60_000,
  maxAttempts: 3,
  holdTtlMs: { micro: 15 * 60_000, regular: 15 * 60_000 },
  settleWithinMs: DEFAULT_SETTLE_WITHIN_MS,
};

export interface Broker {
  brokerId: string;
  key: KeyPair;
  hostUrl: string;
  ledger: Ledger;
  directory: DirectoryClient;
  policy: AnswerPolicy;
  outbox: CommitOutbox;
  settings: BrokerSettings;
  now: () => Date;
  fetch?: FetchLike;
}

/** Per-message facts, established by the route before a handler runs (envelope verified). */
export interface HandlerContext {
  broker: Broker;
  /** The verified sender (`envelope.from`). */
  from: string;
  messageId: string;
  now: Date;
  /**
   * Runs the message's effect — synchronous ledger writes — and records the reply it returns under
   * `(from, messageId)`, in one transaction (DESIGN §2): the reply and the effect commit together or
   * not at all. Call it once, after the handler's async work (lookups, signing), around every write
   * the message makes, and return what it returns. Throws, without running `effect`, when another
   * process sharing the ledger answered the message first (the route answers with that reply). A
   * handler that writes nothing need not call it: the route records its reply alone.
   */
  apply<R>(effect: () => R): R;
}

/** The broker's ledger: one SQLite file with accounts, holds, commitments, sessions, bindings, outbox. */
import { type AccountBalance, AccountsStore } from "./accounts";
import { CommitmentsStore } from "./commitments";
import { type LedgerDatabase, openLedgerDatabase } from "./database";
import { IdempotencyStore } from "./idempotency";
import { OutboxStore } from "./outbox";
import { PaycardsStore } from "./paycards";
import { SettlementsStore } from "./settlements";

export class Ledger {
  readonly accounts: AccountsStore;
  readonly paycards: PaycardsStore;
  readonly commitments: CommitmentsStore;
  readonly idempotency: IdempotencyStore;
  readonly outbox: OutboxStore;
  readonly settlements: SettlementsStore;

  constructor(readonly db: LedgerDatabase) {
    this.accounts = new AccountsStore(db);
    this.paycards = new PaycardsStore(db);
    this.commitments = new CommitmentsStore(db);
    this.idempotency = new IdempotencyStore(db);
    this.outbox = new OutboxStore(db);
    this.settlements = new SettlementsStore(db);
  }

  /**
   * An account's balance after releasing lapsed holds — what every read that shows or decides on
   * an available amount uses, so a hold past its deadline never counts.
   */
  balance(accountId: string, now: number): AccountBalance {
    this.commitments.releaseExpired(now);
    return this.accounts.balance(accountId);
  }

  static open(path: string): Ledger {
    return new Ledger(openLedgerDatabase(path));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export type { AccountBalance, AccountRow, CoolDownRule, NewAccount } from "./accounts";
export {
  type CommitmentRow,
  type CommitmentStatus,
  expiredError,
  type ReleasedHolds,
} from "./commitments";
export { DEFAULT_SETTLE_WITHIN_MS, LEDGER_VERSION, type LedgerDatabase } from "./database";
export type { StoredReply } from "./idempotency";
export type { OutboxRow } from "./outbox";
export { credentialHash, newCredential, type PaycardRow, type SessionRow } from "./paycards";
export type {
  AcceptedOrder,
  HostApprovalOutcome,
  SettlementPlan,
  SettlementRow,
} from "./settlements";

/**
 * Paying vendors (§4.2.2): each commitment is settled at most once, whichever path asks first — the
 * vendor's own Settle With Broker (one signed statement per batch) or a host approval (Settle With
 * Host, consumed from the broker's mailbox). Settling is where the shopper pays: the hold is
 * captured (the account debited, with its entry) and the vendor's payable balance credited, in one
 * transaction. A hold that lapsed before (unclaimed, or claimed but not settled in time) is
 * refused `order_expired` by both paths: its money went back to the shopper.
 */
import {
  canonicalJson,
  type ErrorCode,
  type HostApproval,
  parseMoney,
  QuickPayError,
  type SettlementRejection,
  type SignedEndorsement,
  type SignedSettlementStatement,
} from "@quickpay/protocol";
import { AccountsStore } from "./accounts";
import { type CommitmentRow, CommitmentsStore } from "./commitments";
import type { LedgerDatabase } from "./database";
import { OutboxStore } from "./outbox";

export interface SettlementRow {
  commit_id: string;
  order_digest: string;
  vendor_id: string;
  currency: string;
  amount_micros: number;
  path: "broker" | "host";
  ref: string;
  settled_at: number;
}

export interface AcceptedOrder {
  orderDigest: string;
  commitId: string;
  currency: string;
  amountMicros: number;
}

/** What a batch would settle now; the transaction re-decides and must reach the same plan. */
export interface SettlementPlan {
  accepted: AcceptedOrder[];
  rejected: SettlementRejection[];
}

/** `expired`: the hold lapsed before the approval arrived; nothing is paid (the shopper was not charged). */
export type HostApprovalOutcome = "paid" | "already_settled" | "expired" | "invalid";

const META_MAIL_CURSOR = "host_mail_cursor";

export class SettlementsStore {
  private readonly outbox: OutboxStore;
  private readonly commitments: CommitmentsStore;
  private readonly accounts: AccountsStore;

  constructor(private readonly db: LedgerDatabase) {
    this.outbox = new OutboxStore(db);
    this.commitments = new CommitmentsStore(db);
    this.accounts = new AccountsStore(db);
  }

  byCommit(commitId: string): SettlementRow | undefined {
    return this.db.prepare("SELECT * FROM settlements WHERE commit_id = ?").get(commitId) as
      | SettlementRow
      | undefined;
  }

  /**
   * Decides each order of a vendor's batch: it must be a claimed commitment of this broker, made to
   * this vendor, presented exactly as the broker signed it, not settled yet, its hold not lapsed,
   * and in the batch's currency (the currency of the first acceptable order). Releases lapsed holds
   * first, so the plan never accepts one that is past its deadline.
   */
  plan(
    brokerId: string,
    vendorId: string,
    orders: { orderDigest: string; endorsement: SignedEndorsement }[],
    now: number,
  ) {
    this.commitments.releaseExpired(now);
    const plan: SettlementPlan = { accepted: [], rejected: [] };
    const reject = (orderDigest: string, code: ErrorCode, reason: string) =>
      plan.rejected.push({ orderDigest, code, reason });
    for (const { orderDigest, endorsement } of orders) {
      const e = endorsement.endorsement;
      if (e.orderDigest !== orderDigest) {
        reject(orderDigest, "mismatch", "the endorsement is for another order digest");
        continue;
      }
      if (e.brokerId !== brokerId) {
        reject(orderDigest, "mismatch", `endorsed by ${e.brokerId}, not by this broker`);
        continue;
      }
      const c = this.db.prepare("SELECT * FROM commitments WHERE commit_id = ?").get(e.commitId) as
        | CommitmentRow
        | undefined;
      if (!c) {
        reject(orderDigest, "unknown_commit", `no commitment ${e.commitId}`);
        continue;
      }
      // The stored signed endorsement is what the broker issued: an exact copy carries its signature.
      if (canonicalJson(JSON.parse(c.signed_json)) !== canonicalJson(endorsement)) {
        reject(orderDigest, "bad_signature", "not the endorsement this broker issued for the commitment");
        continue;
      }
      if (c.vendor_id !== vendorId) {
        reject(orderDigest, "forbidden", "the commitment was made to another vendor");
        continue;
      }
      if (this.byCommit(c.commit_id)) {
        reject(orderDigest, "already_settled", "the commitment is already settled");
        continue;
      }
      if (c.status === "released") {
        reject(
          orderDigest,
          "order_expired",
          c.claimed_at === null
            ? "the endorsement expired unclaimed; its hold was released"
            : "the claim was not settled in time; its hold was released",
        );
        continue;
      }
      if (c.status === "held") {
        reject(orderDigest, "unknown_commit", "the commitment was never claimed (Check Commit)");
        continue;
      }
      const currency = plan.accepted[0]?.currency ?? c.currency;
      if (c.currency !== currency) {
        reject(orderDigest, "mismatch", `one statement settles one currency (${currency})`);
        continue;
      }
      plan.accepted.push({
        orderDigest,
        commitId: c.commit_id,
        currency: c.currency,
        amountMicros: c.amount_micros,
      });
    }
    return plan;
  }

  /** The statement already given for this (vendor, message id), if any. */
  statementFor(vendorId: string, messageId: string): SignedSettlementStatement | undefined {
    const row = this.db
      .prepare("SELECT signed_json FROM statements WHERE vendor_id = ? AND message_id = ?")
      .get(vendorId, messageId) as { signed_json: string } | undefined;
    return row ? (JSON.parse(row.signed_json) as SignedSettlementStatement) : undefined;
  }

  /**
   * Records a signed statement's settlements, credits the vendor and queues Register Settlement, in
   * one transaction — if the plan still holds inside it. Returns the statement given (a stored one
   * for a repeat of the same message), or `undefined` when the plan changed (sign a new one).
   */
  settleBatch(
    request: {
      brokerId: string;
      vendorId: string;
      messageId: string;
      orders: { orderDigest: string; endorsement: SignedEndorsement }[];
      plan: SettlementPlan;
      signed: SignedSettlementStatement;
      registerMessageId: string;
    },
    now: number,
  ): { signed: SignedSettlementStatement; repeat: boolean } | undefined {
    return this.db.transaction(() => {
      const stored = this.statementFor(request.vendorId, request.messageId);
      if (stored) return { signed: stored, repeat: true };
      const fresh = this.plan(request.brokerId, request.vendorId, request.orders, now);
      if (canonicalJson(fresh) !== canonicalJson(request.plan)) return undefined;
      const s = request.signed.statement;
      for (const a of fresh.accepted) {
        this.record({ ...a, vendorId: request.vendorId, path: "broker", ref: s.statementId }, now);
      }
      this.db
        .prepare(
          "INSERT INTO statements (statement_id, vendor_id, message_id, signed_json, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .run(s.statementId, request.vendorId, request.messageId, JSON.stringify(request.signed), now);
      if (fresh.accepted.length > 0) {
        this.outbox.enqueue(
          request.registerMessageId,
          "RegisterSettlement",
          { statement: request.signed },
          now,
        );
      }
      return { signed: request.signed, repeat: false };
    })();
  }

  /**
   * Pays a host approval (already verified against the host key) unless the commitment is already
   * settled — by the broker's own statement or by an earlier copy of the approval — or its hold
   * lapsed, and moves the mailbox cursor in the same transaction. `invalid`: the approval does not
   * match the commitment.
   */
  payHostApproval(approval: HostApproval, cursor: string, now: number): HostApprovalOutcome {
    return this.db.transaction((): HostApprovalOutcome => {
      this.setMeta(META_MAIL_CURSOR, cursor);
      this.commitments.releaseExpired(now);
      const c = this.db.prepare("SELECT * FROM commitments WHERE commit_id = ?").get(approval.commitId) as
        | CommitmentRow
        | undefined;
      const amount = parseMoney(approval.amount);
      if (
        !c ||
        c.order_digest !== approval.orderDigest ||
        c.vendor_id !== approval.vendorId ||
        c.currency !== amount.currency ||
        c.amount_micros !== amount.micros
      ) {
        return "invalid";
      }
      if (this.byCommit(c.commit_id)) return "already_settled";
      if (c.status === "released") return "expired";
      this.record(
        {
          orderDigest: c.order_digest,
          commitId: c.commit_id,
          currency: c.currency,
          amountMicros: c.amount_micros,
          vendorId: c.vendor_id,
          path: "host",
          ref: `${approval.hostId}@${approval.approvedAt}`,
        },
        now,
      );
      return "paid";
    })();
  }

  /** The vendor's payable balance in micro-units (0 when nothing was ever settled). */
  payable(vendorId: string, currency = "USD"): number {
    const row = this.db
      .prepare("SELECT balance_micros FROM vendor_payables WHERE vendor_id = ? AND currency = ?")
      .get(vendorId, currency) as { balance_micros: number } | undefined;
    return row?.balance_micros ?? 0;
  }

  mailCursor(): string | undefined {
    return this.getMeta(META_MAIL_CURSOR);
  }

  /** Moves the cursor past messages that need no payment (memos, notices). */
  setMailCursor(cursor: string): void {
    this.setMeta(META_MAIL_CURSOR, cursor);
  }

  private record(
    s: AcceptedOrder & { vendorId: string; path: "broker" | "host"; ref: string },
    now: number,
  ): void {
    this.capture(s.commitId, now);
    this.db
      .prepare(
        `INSERT INTO settlements (commit_id, order_digest, vendor_id, currency, amount_micros, path, ref, settled_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(s.commitId, s.orderDigest, s.vendorId, s.currency, s.amountMicros, s.path, s.ref, now);
    this.db
      .prepare(
        `INSERT INTO vendor_payables (vendor_id, currency, balance_micros) VALUES (?, ?, ?)
         ON CONFLICT (vendor_id, currency) DO UPDATE SET balance_micros = balance_micros + excluded.balance_micros`,
      )
      .run(s.vendorId, s.currency, s.amountMicros);
  }

  /**
   * The shopper pays: the live hold (claimed, or still held when a host approval pays an order its
   * vendor never claimed) is captured and the account debited by exactly that amount, with its
   * entry. Called only inside the transaction that records the settlement, whose UNIQUE commit id
   * makes the capture happen once whichever path settles. A commitment with no live hold was
   * captured by a ledger from before capture moved to settlement (at Check Commit): already paid.
   */
  private capture(commitId: string, now: number): void {
    const hold = this.db
      .prepare(
        `SELECT h.account_id, h.amount_micros, c.kind FROM holds h JOIN commitments c ON c.commit_id = h.commit_id
         WHERE h.commit_id = ? AND h.status = 'live'`,
      )
      .get(commitId) as { account_id: string; amount_micros: number; kind: "micro" | "regular" } | undefined;
    if (!hold) return;
    const debited = this.db
      .prepare(
        "UPDATE accounts SET balance_micros = balance_micros - ? WHERE account_id = ? AND balance_micros >= ?",
      )
      .run(hold.amount_micros, hold.account_id, hold.amount_micros).changes;
    // Holds are only taken within the available balance and only captures debit, so this cannot
    // happen; if it ever did, the settlement is refused rather than the balance going negative.
    if (debited !== 1) {
      throw new QuickPayError("internal", `account ${hold.account_id} cannot cover the hold of ${commitId}`);
    }
    this.db
      .prepare("UPDATE holds SET status = 'captured', closed_at = ? WHERE commit_id = ? AND status = 'live'")
      .run(now, commitId);
    this.accounts.insertEntry(
      hold.account_id,
      -hold.amount_micros,
      hold.kind === "micro" ? "micropayment" : "payment",
      commitId,
      now,
    );
    this.db.prepare("UPDATE commitments SET status = 'captured' WHERE commit_id = ?").run(commitId);
  }

  private getMeta(key: string): string | undefined {
    const row = this.db.prepare("SELECT value FROM broker_meta WHERE key = ?").get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  private setMeta(key: string, value: string): void {
    this.db
      .prepare(
        "INSERT INTO broker_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      )
      .run(key, value);
  }
}

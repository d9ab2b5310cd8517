/**
 * Paying vendors (§4.2.2): each commitment is settled at most once, whichever path asks first — the
 * vendor's own Settle With Broker (one signed statement per batch) or a host approval (Settle With
 * Host, consumed from the broker's mailbox). A settlement credits the vendor's payable balance in the
 * same transaction.
 */
import {
  canonicalJson,
  type ErrorCode,
  type HostApproval,
  parseMoney,
  type SettlementRejection,
  type SignedEndorsement,
  type SignedSettlementStatement,
} from "@quickpay/protocol";
import type { CommitmentRow } from "./commitments";
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

export type HostApprovalOutcome = "paid" | "already_settled" | "invalid";

const META_MAIL_CURSOR = "host_mail_cursor";

export class SettlementsStore {
  private readonly outbox: OutboxStore;

  constructor(private readonly db: LedgerDatabase) {
    this.outbox = new OutboxStore(db);
  }

  byCommit(commitId: string): SettlementRow | undefined {
    return this.db.prepare("SELECT * FROM settlements WHERE commit_id = ?").get(commitId) as
      | SettlementRow
      | undefined;
  }

  /**
   * Decides each order of a vendor's batch: it must be a claimed commitment of this broker, made to
   * this vendor, presented exactly as the broker signed it, not settled yet, and in the batch's
   * currency (the currency of the first acceptable order).
   */
  plan(
    brokerId: string,
    vendorId: string,
    orders: { orderDigest: string; endorsement: SignedEndorsement }[],
  ) {
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
        reject(orderDigest, "order_expired", "the endorsement expired unclaimed");
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
      const fresh = this.plan(request.brokerId, request.vendorId, request.orders);
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
   * settled — by the broker's own statement or by an earlier copy of the approval — and moves the
   * mailbox cursor in the same transaction. `invalid`: the approval does not match the commitment.
   */
  payHostApproval(approval: HostApproval, cursor: string, now: number): HostApprovalOutcome {
    return this.db.transaction((): HostApprovalOutcome => {
      this.setMeta(META_MAIL_CURSOR, cursor);
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
    this.captureLiveHold(s.commitId, now);
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
   * A regular commitment stays held for its vendor after Check Commit (and a host approval may pay a
   * commitment never claimed): settling it captures the hold and debits the account, as a claimed
   * micro commitment already was.
   */
  private captureLiveHold(commitId: string, now: number): void {
    const hold = this.db
      .prepare("SELECT account_id, amount_micros FROM holds WHERE commit_id = ? AND status = 'live'")
      .get(commitId) as { account_id: string; amount_micros: number } | undefined;
    if (!hold) return;
    this.db
      .prepare("UPDATE holds SET status = 'captured', closed_at = ? WHERE commit_id = ? AND status = 'live'")
      .run(now, commitId);
    this.db
      .prepare("UPDATE accounts SET balance_micros = balance_micros - ? WHERE account_id = ?")
      .run(hold.amount_micros, hold.account_id);
    this.db
      .prepare(
        "INSERT INTO entries (account_id, amount_micros, reason, ref, at) VALUES (?, ?, 'settlement', ?, ?)",
      )
      .run(hold.account_id, -hold.amount_micros, commitId, now);
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

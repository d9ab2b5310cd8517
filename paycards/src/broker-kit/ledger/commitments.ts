/**
 * Endorsements and the holds behind them (§3): one endorsement per order digest ever, never more
 * than the available balance, the hold taken in the same transaction as the endorsement and its
 * Register Commit outbox entry.
 */
import { formatMoney, QuickPayError, type SignedEndorsement } from "@quickpay/protocol";
import { AccountsStore } from "./accounts";
import type { LedgerDatabase } from "./database";
import { OutboxStore } from "./outbox";

export type CommitmentStatus = "held" | "claimed" | "captured" | "released";

export interface CommitmentRow {
  commit_id: string;
  order_digest: string;
  paycard_id: string;
  account_id: string;
  vendor_id: string;
  kind: "micro" | "regular";
  currency: string;
  amount_micros: number;
  signed_json: string;
  status: CommitmentStatus;
  claimed_by: string | null;
  claimed_at: number | null;
  expires_at: number;
  created_at: number;
}

export interface EndorseRequest {
  paycardId: string;
  accountId: string;
  kind: "micro" | "regular";
  amountMicros: number;
  /** Already signed by the broker: signing is async, so it happens before this synchronous transaction. */
  signed: SignedEndorsement;
  /** The Register Commit message id, fixed now so every resend reuses it. */
  registerMessageId: string;
}

export type EndorseResult = { signed: SignedEndorsement; repeat: boolean };

export class CommitmentsStore {
  private readonly accounts: AccountsStore;
  private readonly outbox: OutboxStore;

  constructor(private readonly db: LedgerDatabase) {
    this.accounts = new AccountsStore(db);
    this.outbox = new OutboxStore(db);
  }

  get(commitId: string): CommitmentRow | undefined {
    return this.db.prepare("SELECT * FROM commitments WHERE commit_id = ?").get(commitId) as
      | CommitmentRow
      | undefined;
  }

  byDigest(orderDigest: string): CommitmentRow | undefined {
    return this.db.prepare("SELECT * FROM commitments WHERE order_digest = ?").get(orderDigest) as
      | CommitmentRow
      | undefined;
  }

  /**
   * Releases holds whose endorsement expired before any vendor claimed it (lazily, before reads and
   * writes that depend on them). Claimed commitments are the vendor's and never expire here.
   */
  releaseExpired(now: number): number {
    return this.db.transaction(() => {
      const expired = this.db
        .prepare("SELECT commit_id FROM commitments WHERE status = 'held' AND expires_at <= ?")
        .all(now) as { commit_id: string }[];
      for (const { commit_id } of expired) {
        this.db.prepare("UPDATE commitments SET status = 'released' WHERE commit_id = ?").run(commit_id);
        this.db
          .prepare(
            "UPDATE holds SET status = 'released', closed_at = ? WHERE commit_id = ? AND status = 'live'",
          )
          .run(now, commit_id);
      }
      return expired.length;
    })();
  }

  /**
   * Holds the amount and records the endorsement, or returns the existing endorsement when this
   * Paycard repeats the same order. Throws `already_endorsed`, `order_expired` or `insufficient_funds`.
   */
  endorse(request: EndorseRequest, now: number): EndorseResult {
    const e = request.signed.endorsement;
    return this.db.transaction((): EndorseResult => {
      const existing = this.byDigest(e.orderDigest);
      if (existing) return { signed: this.repeat(existing, request), repeat: true };
      const { availableMicros, currency } = this.accounts.balance(request.accountId);
      if (currency !== e.amount.currency) {
        throw new QuickPayError(
          "mismatch",
          `this account holds ${currency}, the order is in ${e.amount.currency}`,
        );
      }
      if (request.amountMicros > availableMicros) {
        throw new QuickPayError(
          "insufficient_funds",
          `the order needs ${e.amount.value} ${currency} but only ${formatMoney({ currency, micros: availableMicros }).value} is available`,
          { available: formatMoney({ currency, micros: availableMicros }) },
        );
      }
      const expiresAt = Date.parse(e.expiresAt);
      this.db
        .prepare(
          `INSERT INTO commitments (commit_id, order_digest, paycard_id, account_id, vendor_id, kind, currency,
             amount_micros, signed_json, status, expires_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'held', ?, ?)`,
        )
        .run(
          e.commitId,
          e.orderDigest,
          request.paycardId,
          request.accountId,
          e.vendorId,
          request.kind,
          currency,
          request.amountMicros,
          JSON.stringify(request.signed),
          expiresAt,
          now,
        );
      this.db
        .prepare(
          `INSERT INTO holds (account_id, commit_id, amount_micros, status, expires_at, created_at)
           VALUES (?, ?, ?, 'live', ?, ?)`,
        )
        .run(request.accountId, e.commitId, request.amountMicros, expiresAt, now);
      this.outbox.enqueue(request.registerMessageId, "RegisterCommit", { endorsement: request.signed }, now);
      return { signed: request.signed, repeat: false };
    })();
  }

  /** The same digest again: the same endorsement for the same Paycard and order, a refusal otherwise. */
  private repeat(existing: CommitmentRow, request: EndorseRequest): SignedEndorsement {
    const e = request.signed.endorsement;
    const same =
      existing.paycard_id === request.paycardId &&
      existing.vendor_id === e.vendorId &&
      existing.amount_micros === request.amountMicros &&
      existing.currency === e.amount.currency &&
      existing.kind === request.kind;
    if (!same) {
      throw new QuickPayError("already_endorsed", `order ${e.orderDigest} is already endorsed`);
    }
    if (existing.status === "released") {
      throw new QuickPayError(
        "order_expired",
        `the endorsement of order ${e.orderDigest} expired unclaimed and is never reissued`,
      );
    }
    return JSON.parse(existing.signed_json) as SignedEndorsement;
  }

  /**
   * Check Commit: the vendor claims a live endorsement. A micro commitment is captured at once (the
   * account is debited: micropayments are final); a regular one stays held for the vendor until it
   * settles or revokes. Claiming again is a harmless repeat.
   */
  claim(
    claim: {
      commitId: string;
      orderDigest: string;
      vendorId: string;
      currency: string;
      amountMicros: number;
    },
    now: number,
  ): CommitmentRow {
    return this.db.transaction((): CommitmentRow => {
      const c = this.get(claim.commitId);
      if (!c) throw new QuickPayError("unknown_commit", `no commitment ${claim.commitId}`);
      const differs: string[] = [];
      if (c.order_digest !== claim.orderDigest) differs.push("orderDigest");
      if (c.vendor_id !== claim.vendorId) differs.push("vendorId");
      if (c.currency !== claim.currency || c.amount_micros !== claim.amountMicros) differs.push("amount");
      if (differs.length > 0) {
        throw new QuickPayError("mismatch", `commitment ${c.commit_id} differs in ${differs.join(", ")}`, {
          fields: differs,
        });
      }
      if (c.status === "released") {
        throw new QuickPayError(
          "order_expired",
          `commitment ${c.commit_id} expired unclaimed and was released`,
        );
      }
      if (c.status === "held" && c.expires_at <= now) {
        throw new QuickPayError("order_expired", `commitment ${c.commit_id} expired`);
      }
      if (c.status !== "held") return c;
      if (c.kind === "micro") {
        this.db
          .prepare(
            "UPDATE holds SET status = 'captured', closed_at = ? WHERE commit_id = ? AND status = 'live'",
          )
          .run(now, c.commit_id);
        this.db
          .prepare("UPDATE accounts SET balance_micros = balance_micros - ? WHERE account_id = ?")
          .run(c.amount_micros, c.account_id);
        this.accounts.insertEntry(c.account_id, -c.amount_micros, "micropayment", c.commit_id, now);
      }
      const status: CommitmentStatus = c.kind === "micro" ? "captured" : "claimed";
      this.db
        .prepare("UPDATE commitments SET status = ?, claimed_by = ?, claimed_at = ? WHERE commit_id = ?")
        .run(status, claim.vendorId, now, c.commit_id);
      return this.get(c.commit_id)!;
    })();
  }

  countHolds(accountId?: string): { live: number; captured: number; released: number } {
    const rows = this.db
      .prepare(
        `SELECT status, COUNT(*) AS n FROM holds ${accountId ? "WHERE account_id = ?" : ""} GROUP BY status`,
      )
      .all(...(accountId ? [accountId] : [])) as { status: string; n: number }[];
    const out = { live: 0, captured: 0, released: 0 };
    for (const r of rows) out[r.status as keyof typeof out] = r.n;
    return out;
  }
}

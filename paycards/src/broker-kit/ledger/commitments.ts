/**
 * Endorsements and the holds behind them (§3): one endorsement per order digest ever, never more
 * than the available balance, the hold taken in the same transaction as the endorsement and its
 * Register Commit outbox entry. A hold is claimed by Check Commit, captured (debited) only at
 * settlement, and released when it lapses — so a shopper is never charged for an order no vendor
 * settled (DESIGN §4.2.1, exactly-once purchase).
 */
import { formatMoney, QuickPayError, type SignedEndorsement } from "@quickpay/protocol";
import { AccountsStore } from "./accounts";
import { DEFAULT_SETTLE_WITHIN_MS, type LedgerDatabase } from "./database";
import { OutboxStore } from "./outbox";

/**
 * held: endorsed, waiting for the vendor's Check Commit; claimed: bound to the vendor, waiting for
 * settlement; captured: settled, the account debited; released: lapsed, nothing debited
 * (`claimed_at` says whether it lapsed unclaimed or unsettled).
 */
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

/** Commit ids whose holds `releaseExpired` released: never claimed, or claimed but never settled. */
export interface ReleasedHolds {
  unclaimed: string[];
  unsettled: string[];
}

/** `order_expired` for a released commitment, saying which deadline it missed. */
export function expiredError(c: CommitmentRow): QuickPayError {
  return c.claimed_at === null
    ? new QuickPayError("order_expired", `commitment ${c.commit_id} expired unclaimed and was released`)
    : new QuickPayError(
        "order_expired",
        `commitment ${c.commit_id} was claimed at ${new Date(c.claimed_at).toISOString()} but not settled in time, and was released`,
      );
}

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
   * Releases every live hold past its expiry: an endorsement no vendor claimed by its `expiresAt`,
   * and a claim not settled within `settleWithinMs` of its Check Commit. Called lazily inside every
   * ledger write that depends on holds (endorse, claim, settlement) and before balance reads, and
   * by the server's periodic sweep, so a hold is released no later than the endorsement's expiry
   * whether or not anyone asks. Releasing moves no money: nothing was debited yet.
   */
  releaseExpired(now: number): ReleasedHolds {
    return this.db.transaction((): ReleasedHolds => {
      const due = this.db
        .prepare(
          `SELECT h.commit_id, c.claimed_at FROM holds h JOIN commitments c ON c.commit_id = h.commit_id
           WHERE h.status = 'live' AND h.expires_at <= ?`,
        )
        .all(now) as { commit_id: string; claimed_at: number | null }[];
      const out: ReleasedHolds = { unclaimed: [], unsettled: [] };
      for (const { commit_id, claimed_at } of due) {
        this.db
          .prepare(
            "UPDATE holds SET status = 'released', closed_at = ? WHERE commit_id = ? AND status = 'live'",
          )
          .run(now, commit_id);
        this.db
          .prepare(
            "UPDATE commitments SET status = 'released' WHERE commit_id = ? AND status IN ('held', 'claimed')",
          )
          .run(commit_id);
        (claimed_at === null ? out.unclaimed : out.unsettled).push(commit_id);
      }
      return out;
    })();
  }

  /**
   * Holds the amount and records the endorsement, or returns the existing endorsement when this
   * Paycard repeats the same order. Throws `already_endorsed`, `order_expired` or `insufficient_funds`.
   */
  endorse(request: EndorseRequest, now: number): EndorseResult {
    const e = request.signed.endorsement;
    // Its own transaction, first: a refusal below must not roll the release back.
    this.releaseExpired(now);
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
      existing.kind === request.kind &&
      // Another salt would get an endorsement whose tag the wallet cannot open to the host.
      (JSON.parse(existing.signed_json) as SignedEndorsement).endorsement.payerTag === e.payerTag;
    if (!same) {
      throw new QuickPayError("already_endorsed", `order ${e.orderDigest} is already endorsed`);
    }
    if (existing.status === "released") {
      throw new QuickPayError(
        "order_expired",
        `the endorsement of order ${e.orderDigest} lapsed and was released; it is never reissued`,
      );
    }
    return JSON.parse(existing.signed_json) as SignedEndorsement;
  }

  /**
   * Check Commit: the vendor claims a live endorsement. The hold is bound to that vendor — no money
   * moves until settlement captures it — and now lapses `settleWithinMs` after the claim instead of
   * at the endorsement's expiry. Claiming again is a harmless repeat (the deadline stays).
   */
  claim(
    claim: {
      commitId: string;
      orderDigest: string;
      vendorId: string;
      currency: string;
      amountMicros: number;
      /** The order's kind as the vendor states it: refused (`mismatch`) unless the one endorsed. */
      kind: "micro" | "regular";
    },
    now: number,
    settleWithinMs: number = DEFAULT_SETTLE_WITHIN_MS,
  ): CommitmentRow {
    // Its own transaction, first: the refusal of a lapsed claim must not roll its release back.
    this.releaseExpired(now);
    return this.db.transaction((): CommitmentRow => {
      const c = this.get(claim.commitId);
      if (!c) throw new QuickPayError("unknown_commit", `no commitment ${claim.commitId}`);
      const differs: string[] = [];
      if (c.order_digest !== claim.orderDigest) differs.push("orderDigest");
      if (c.vendor_id !== claim.vendorId) differs.push("vendorId");
      if (c.currency !== claim.currency || c.amount_micros !== claim.amountMicros) differs.push("amount");
      if (c.kind !== claim.kind) differs.push("kind");
      if (differs.length > 0) {
        throw new QuickPayError("mismatch", `commitment ${c.commit_id} differs in ${differs.join(", ")}`, {
          fields: differs,
        });
      }
      if (c.status === "released") throw expiredError(c);
      if (c.status !== "held") return c;
      this.db
        .prepare(
          "UPDATE commitments SET status = 'claimed', claimed_by = ?, claimed_at = ? WHERE commit_id = ?",
        )
        .run(claim.vendorId, now, c.commit_id);
      this.db
        .prepare("UPDATE holds SET expires_at = ? WHERE commit_id = ? AND status = 'live'")
        .run(now + settleWithinMs, c.commit_id);
      return this.get(c.commit_id)!;
    })();
  }

  /** When a live hold lapses (the endorsement's expiry, or its settlement deadline once claimed). */
  holdExpiry(commitId: string): number | undefined {
    const row = this.db
      .prepare("SELECT expires_at FROM holds WHERE commit_id = ? AND status = 'live'")
      .get(commitId) as { expires_at: number } | undefined;
    return row?.expires_at;
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

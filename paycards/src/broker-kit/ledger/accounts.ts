/** Accounts, their settled balance and the balance a Paycard shows (balance − live holds). */
import { newId, QuickPayError } from "@quickpay/protocol";
import type { LedgerDatabase } from "./database";

export interface AccountRow {
  account_id: string;
  number: string;
  holder: string;
  currency: string;
  balance_micros: number;
  secret_hash: string | null;
  failed_secret_attempts: number;
  secret_lockouts: number;
  secret_locked_until: number | null;
  status: "active" | "closed";
  created_at: number;
}

export interface NewAccount {
  number: string;
  holder: string;
  currency: string;
  balanceMicros: number;
  secretHash?: string | null;
}

export interface AccountBalance {
  accountId: string;
  currency: string;
  balanceMicros: number;
  heldMicros: number;
  availableMicros: number;
}

/**
 * When wrong secrets stop being accepted for a while: after `afterFailures` in a row the account
 * cools down for `firstMs`, each further cool-down (without a right secret between) twice as long
 * as the one before, never longer than `maxMs`.
 */
export interface CoolDownRule {
  afterFailures: number;
  firstMs: number;
  maxMs: number;
}

export class AccountsStore {
  constructor(private readonly db: LedgerDatabase) {}

  /** Creates an account, or returns the existing one with that number untouched (seeding is repeatable). */
  ensure(account: NewAccount, now: number): AccountRow {
    const existing = this.byNumber(account.number);
    if (existing) return existing;
    if (!Number.isSafeInteger(account.balanceMicros) || account.balanceMicros < 0) {
      throw new QuickPayError("invalid_request", `opening balance must be whole micro-units ≥ 0`);
    }
    const accountId = newId("a_");
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO accounts (account_id, number, holder, currency, balance_micros, secret_hash, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          accountId,
          account.number,
          account.holder,
          account.currency,
          account.balanceMicros,
          account.secretHash ?? null,
          now,
        );
      if (account.balanceMicros > 0) this.insertEntry(accountId, account.balanceMicros, "opening", null, now);
    })();
    return this.get(accountId)!;
  }

  get(accountId: string): AccountRow | undefined {
    return this.db.prepare("SELECT * FROM accounts WHERE account_id = ?").get(accountId) as
      | AccountRow
      | undefined;
  }

  byNumber(number: string): AccountRow | undefined {
    return this.db.prepare("SELECT * FROM accounts WHERE number = ?").get(number) as AccountRow | undefined;
  }

  /** Adds funds (a deposit); negative amounts go through holds and capture, never through here. */
  credit(accountId: string, micros: number, reason: string, now: number): void {
    if (!Number.isSafeInteger(micros) || micros <= 0) {
      throw new QuickPayError("invalid_request", "a credit must be a positive whole number of micro-units");
    }
    this.db.transaction(() => {
      const changed = this.db
        .prepare("UPDATE accounts SET balance_micros = balance_micros + ? WHERE account_id = ?")
        .run(micros, accountId).changes;
      if (changed !== 1) throw new QuickPayError("not_found", `no account ${accountId}`);
      this.insertEntry(accountId, micros, reason, null, now);
    })();
  }

  /** Settled balance, live holds and what is left to commit. Call after releasing expired holds. */
  balance(accountId: string): AccountBalance {
    const account = this.get(accountId);
    if (!account) throw new QuickPayError("not_found", `no account ${accountId}`);
    const { held } = this.db
      .prepare(
        "SELECT COALESCE(SUM(amount_micros), 0) AS held FROM holds WHERE account_id = ? AND status = 'live'",
      )
      .get(accountId) as { held: number };
    return {
      accountId,
      currency: account.currency,
      balanceMicros: account.balance_micros,
      heldMicros: held,
      // Never negative: holds are only taken within the available amount.
      availableMicros: Math.max(0, account.balance_micros - held),
    };
  }

  /** Every account, by number. */
  list(): AccountRow[] {
    return this.db.prepare("SELECT * FROM accounts ORDER BY number").all() as AccountRow[];
  }

  /**
   * Counts a wrong secret for this account (across sessions and wallets). The one that completes
   * `rule.afterFailures` in a row starts a cool-down instead; returns its end (epoch ms) then.
   */
  recordFailedSecret(accountId: string, now: number, rule: CoolDownRule): number | undefined {
    return this.db.transaction((): number | undefined => {
      this.db
        .prepare(
          "UPDATE accounts SET failed_secret_attempts = failed_secret_attempts + 1 WHERE account_id = ?",
        )
        .run(accountId);
      const account = this.get(accountId);
      if (!account || account.failed_secret_attempts < rule.afterFailures) return undefined;
      return this.startCoolDown(accountId, now, rule);
    })();
  }

  /** Starts the account's next cool-down now (the count of wrong secrets starts again after it). */
  startCoolDown(accountId: string, now: number, rule: CoolDownRule): number {
    return this.db.transaction((): number => {
      const lockouts = (this.get(accountId)?.secret_lockouts ?? 0) + 1;
      // firstMs · 2^(lockouts−1), capped; the exponent is bounded so the product stays finite.
      const until = now + Math.min(rule.maxMs, rule.firstMs * 2 ** Math.min(lockouts - 1, 40));
      this.db
        .prepare(
          `UPDATE accounts SET failed_secret_attempts = 0, secret_lockouts = ?, secret_locked_until = ?
           WHERE account_id = ?`,
        )
        .run(lockouts, until, accountId);
      return until;
    })();
  }

  /** A right secret, or an operator's unlock: the count, the cool-downs and any cool-down end. */
  resetFailedSecrets(accountId: string): void {
    this.db
      .prepare(
        `UPDATE accounts SET failed_secret_attempts = 0, secret_lockouts = 0, secret_locked_until = NULL
         WHERE account_id = ?`,
      )
      .run(accountId);
  }

  insertEntry(accountId: string, micros: number, reason: string, ref: string | null, now: number): void {
    this.db
      .prepare("INSERT INTO entries (account_id, amount_micros, reason, ref, at) VALUES (?, ?, ?, ?, ?)")
      .run(accountId, micros, reason, ref, now);
  }

  entries(accountId: string): { amount_micros: number; reason: string; ref: string | null; at: number }[] {
    return this.db
      .prepare("SELECT amount_micros, reason, ref, at FROM entries WHERE account_id = ? ORDER BY entry_id")
      .all(accountId) as { amount_micros: number; reason: string; ref: string | null; at: number }[];
  }
}

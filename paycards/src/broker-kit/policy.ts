/**
 * How a broker decides that the person adding a Paycard owns an account (Take Question / Answer
 * Response). Pluggable: the kit asks the policy for its questions and to check the answers.
 */
import { type Question, QuickPayError } from "@quickpay/protocol";
import type { CoolDownRule, Ledger } from "./ledger";
import { hashSecret, verifySecret } from "./secrets";

export interface ProvenAccount {
  accountId: string;
  /** Shown in the Wallet, e.g. "Alice Demo ••0001". Never the full account number. */
  accountLabel: string;
}

export interface AnswerPolicy {
  /** The broker-defined, typed questions sent in Take Question. */
  questions(): Question[];
  /**
   * The account these answers prove, or undefined when they are wrong (the kit counts the session's
   * attempts). May throw a QuickPayError to refuse outright, e.g. `too_many_attempts` while the
   * account cools down. `now` is the broker's clock (epoch ms).
   */
  check(answers: Record<string, string>, ledger: Ledger, now: number): ProvenAccount | undefined;
}

export interface AccountNumberPinOptions {
  /** Turns what a person typed into the stored account number form; undefined when it cannot be one. */
  normalizeAccountNumber?: (typed: string) => string | undefined;
  accountHint?: string;
  /**
   * Wrong PINs in a row for one account, across sessions and wallets, after which Add Paycard for
   * that account is refused for a cool-down (per-session limits alone would let a script open
   * session after session). Default 5. Payments from bound Paycards are unaffected.
   */
  maxFailedSecrets?: number;
  /** The first cool-down (default 15 minutes); each further one doubles, up to `maxCoolDownMs` (default 24 h). */
  coolDownMs?: number;
  maxCoolDownMs?: number;
}

/** Question ids of the account-number-and-PIN policy (the answers' keys). */
export const ACCOUNT_NUMBER_QUESTION = "accountNumber";
export const PIN_QUESTION = "pin";

/** The common policy: an account number (text) and a PIN (secret) checked against the ledger. */
export function accountNumberPinPolicy(options: AccountNumberPinOptions = {}): AnswerPolicy {
  const normalize = options.normalizeAccountNumber ?? ((typed: string) => typed.trim() || undefined);
  const rule: CoolDownRule = {
    afterFailures: options.maxFailedSecrets ?? 5,
    firstMs: options.coolDownMs ?? 15 * 60_000,
    maxMs: options.maxCoolDownMs ?? 24 * 60 * 60_000,
  };
  return {
    questions: () => [
      {
        id: ACCOUNT_NUMBER_QUESTION,
        label: "Account number",
        kind: "text",
        ...(options.accountHint ? { hint: options.accountHint } : {}),
      },
      { id: PIN_QUESTION, label: "PIN", kind: "secret" },
    ],
    check(answers, ledger, now) {
      const number = normalize(answers[ACCOUNT_NUMBER_QUESTION] ?? "");
      const pin = answers[PIN_QUESTION] ?? "";
      const account = number === undefined ? undefined : ledger.accounts.byNumber(number);
      // Hash even when there is no such account, so timing does not tell which numbers exist.
      const pinMatches = verifySecret(pin, account?.secret_hash ?? decoyHash());
      if (account?.status !== "active") return undefined;
      // While cooling down no PIN is checked, so the right one is refused too (never `wrong_answer`).
      if (account.secret_locked_until !== null && account.secret_locked_until > now) {
        throw coolingDown(account.secret_locked_until, now);
      }
      // A count left at the limit by a ledger from before cool-downs (which locked until reset).
      if (account.failed_secret_attempts >= rule.afterFailures) {
        throw coolingDown(ledger.accounts.startCoolDown(account.account_id, now, rule), now);
      }
      if (!pinMatches) {
        const until = ledger.accounts.recordFailedSecret(account.account_id, now, rule);
        if (until !== undefined) throw coolingDown(until, now);
        return undefined;
      }
      ledger.accounts.resetFailedSecrets(account.account_id);
      return { accountId: account.account_id, accountLabel: accountLabel(account.holder, account.number) };
    },
  };
}

/** `too_many_attempts` while an account cools down: when to try again, as an ISO time and in words. */
function coolingDown(until: number, now: number): QuickPayError {
  const retryAfter = new Date(until).toISOString();
  return new QuickPayError(
    "too_many_attempts",
    `Too many wrong PINs in a row for this account. Adding it is paused for ${durationInWords(until - now)}; try again after ${retryAfter.slice(11, 16)} UTC.`,
    { attemptsLeft: 0, retryAfter },
  );
}

/** "15 minutes", "1 hour", "2 hours 30 minutes": a wait in words, rounded up to the minute. */
export function durationInWords(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (hours === 0) return unit(rest, "minute");
  return rest === 0 ? unit(hours, "hour") : `${unit(hours, "hour")} ${unit(rest, "minute")}`;
}

let decoy: string | undefined;
function decoyHash(): string {
  decoy ??= hashSecret("decoy");
  return decoy;
}

export function accountLabel(holder: string, number: string): string {
  const digits = number.replace(/\D/g, "");
  return `${holder} ••${digits.slice(-4)}`.slice(0, 200);
}

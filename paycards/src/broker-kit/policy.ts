/**
 * How a broker decides that the person adding a Paycard owns an account (Take Question / Answer
 * Response). Pluggable: the kit asks the policy for its questions and to check the answers.
 */
import type { Question } from "@quickpay/protocol";
import type { Ledger } from "./ledger";
import { hashSecret, verifySecret } from "./secrets";

export interface ProvenAccount {
  accountId: string;
  /** Shown in the Wallet, e.g. "Alice Demo ••0001". Never the full account number. */
  accountLabel: string;
}

export interface AnswerPolicy {
  /** The broker-defined, typed questions sent in Take Question. */
  questions(): Question[];
  /** The account these answers prove, or undefined when they are wrong (the kit counts attempts). */
  check(answers: Record<string, string>, ledger: Ledger): ProvenAccount | undefined;
}

export interface AccountNumberPinOptions {
  /** Turns what a person typed into the stored account number form; undefined when it cannot be one. */
  normalizeAccountNumber?: (typed: string) => string | undefined;
  accountHint?: string;
  /**
   * Wrong PINs in a row for one account, across sessions and wallets, after which Add Paycard for
   * that account is refused until `accounts.resetFailedSecrets` (per-session limits alone would let
   * a script open session after session). Default 10. Payments from bound Paycards are unaffected.
   */
  maxFailedSecrets?: number;
}

/** Question ids of the account-number-and-PIN policy (the answers' keys). */
export const ACCOUNT_NUMBER_QUESTION = "accountNumber";
export const PIN_QUESTION = "pin";

/** The common policy: an account number (text) and a PIN (secret) checked against the ledger. */
export function accountNumberPinPolicy(options: AccountNumberPinOptions = {}): AnswerPolicy {
  const normalize = options.normalizeAccountNumber ?? ((typed: string) => typed.trim() || undefined);
  const maxFailed = options.maxFailedSecrets ?? 10;
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
    check(answers, ledger) {
      const number = normalize(answers[ACCOUNT_NUMBER_QUESTION] ?? "");
      const pin = answers[PIN_QUESTION] ?? "";
      const account = number === undefined ? undefined : ledger.accounts.byNumber(number);
      // Hash even when there is no such account, so timing does not tell which numbers exist.
      const pinMatches = verifySecret(pin, account?.secret_hash ?? decoyHash());
      if (account?.status !== "active") return undefined;
      if (account.failed_secret_attempts >= maxFailed) return undefined;
      if (!pinMatches) {
        ledger.accounts.recordFailedSecret(account.account_id);
        return undefined;
      }
      ledger.accounts.resetFailedSecrets(account.account_id);
      return { accountId: account.account_id, accountLabel: accountLabel(account.holder, account.number) };
    },
  };
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

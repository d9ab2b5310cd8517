/** The account-number-and-PIN answer policy on a real ledger file. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isQuickPayError } from "@quickpay/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Ledger } from "./ledger";
import { accountNumberPinPolicy, durationInWords } from "./policy";
import { hashSecret, verifySecret } from "./secrets";

let dir: string;
let ledger: Ledger;
let accountId: string;
const policy = accountNumberPinPolicy({ maxFailedSecrets: 3 });
const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const MINUTE = 60_000;
const right = { accountNumber: "3000-0001", pin: "2580" };
const wrong = { accountNumber: "3000-0001", pin: "1111" };

/** The policy's answer at time `at`: the account, undefined (wrong), or the refusal's code and details. */
function check(answers: Record<string, string>, at = T0) {
  try {
    return policy.check(answers, ledger, at);
  } catch (error) {
    if (!isQuickPayError(error)) throw error;
    return { code: error.code, details: error.details as Record<string, unknown>, message: error.message };
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "paycards-policy-"));
  ledger = Ledger.open(join(dir, "ledger.sqlite"));
  accountId = ledger.accounts.ensure(
    {
      number: "3000-0001",
      holder: "Dana Test",
      currency: "USD",
      balanceMicros: 0,
      secretHash: hashSecret("2580"),
    },
    Date.now(),
  ).account_id;
});

afterEach(() => {
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("accountNumberPinPolicy", () => {
  it("asks for an account number (text) and a PIN (secret)", () => {
    expect(policy.questions().map((q) => [q.id, q.kind])).toEqual([
      ["accountNumber", "text"],
      ["pin", "secret"],
    ]);
  });

  it("proves the account for the right PIN and labels it without the full number", () => {
    expect(check(right)).toEqual({ accountId, accountLabel: "Dana Test ••0001" });
  });

  it("refuses a wrong PIN, an unknown account and missing answers", () => {
    expect(check(wrong)).toBeUndefined();
    expect(check({ accountNumber: "3000-9999", pin: "2580" })).toBeUndefined();
    expect(check({})).toBeUndefined();
  });

  it("cools an account down after too many wrong PINs in a row, refusing even the right PIN", () => {
    expect(check(wrong, T0)).toBeUndefined();
    expect(check(wrong, T0 + 1)).toBeUndefined();
    // The third wrong PIN in a row starts a 15-minute cool-down, and says so.
    const third = check(wrong, T0 + 2);
    const retryAfter = new Date(T0 + 2 + 15 * MINUTE).toISOString();
    expect(third).toMatchObject({ code: "too_many_attempts", details: { retryAfter, attemptsLeft: 0 } });
    expect((third as { message: string }).message).toMatch(
      /paused for 15 minutes; try again after 00:15 UTC/,
    );
    // During it the right PIN is refused the same way — never `wrong_answer` — and nothing is counted.
    expect(check(right, T0 + 14 * MINUTE)).toMatchObject({
      code: "too_many_attempts",
      details: { retryAfter },
    });
    expect(check(wrong, T0 + 14 * MINUTE)).toMatchObject({ code: "too_many_attempts" });
    expect(ledger.accounts.get(accountId)).toMatchObject({ failed_secret_attempts: 0, secret_lockouts: 1 });
    // It ends by itself.
    expect(check(right, T0 + 2 + 15 * MINUTE)).toMatchObject({ accountId });
  });

  it("doubles each further cool-down up to the cap, and a right PIN starts over", () => {
    const capped = accountNumberPinPolicy({
      maxFailedSecrets: 2,
      coolDownMs: 15 * MINUTE,
      maxCoolDownMs: 50 * MINUTE,
    });
    const lockEnds: number[] = [];
    let t = T0;
    for (let lock = 0; lock < 4; lock++) {
      expect(capped.check(wrong, ledger, t)).toBeUndefined();
      try {
        capped.check(wrong, ledger, t);
        throw new Error("expected a cool-down");
      } catch (error) {
        const until = Date.parse((error as { details: { retryAfter: string } }).details.retryAfter);
        lockEnds.push(until - t);
        t = until;
      }
    }
    expect(lockEnds).toEqual([15 * MINUTE, 30 * MINUTE, 50 * MINUTE, 50 * MINUTE]);
    expect(capped.check(right, ledger, t)?.accountId).toBe(accountId);
    expect(ledger.accounts.get(accountId)).toMatchObject({
      failed_secret_attempts: 0,
      secret_lockouts: 0,
      secret_locked_until: null,
    });
    expect(capped.check(wrong, ledger, t)).toBeUndefined();
    expect(() => capped.check(wrong, ledger, t)).toThrow(/paused for 15 minutes/);
  });

  it("an operator's reset ends a cool-down at once", () => {
    for (let i = 0; i < 2; i++) check(wrong);
    expect(check(wrong)).toMatchObject({ code: "too_many_attempts" });
    ledger.accounts.resetFailedSecrets(accountId);
    expect(check(right)).toMatchObject({ accountId });
  });

  it("starts the count again after a right PIN", () => {
    check(wrong);
    check(wrong);
    expect(check(right)).toBeDefined();
    expect(ledger.accounts.get(accountId)?.failed_secret_attempts).toBe(0);
    check(wrong);
    check(wrong);
    expect(check(wrong)).toMatchObject({ code: "too_many_attempts" });
  });

  it("cools down an account a ledger from before cool-downs had locked at its limit", () => {
    ledger.db.prepare("UPDATE accounts SET failed_secret_attempts = 10 WHERE account_id = ?").run(accountId);
    expect(check(right, T0)).toMatchObject({
      code: "too_many_attempts",
      details: { retryAfter: new Date(T0 + 15 * MINUTE).toISOString() },
    });
    expect(check(right, T0 + 15 * MINUTE)).toMatchObject({ accountId });
  });

  it("says a wait in words", () => {
    expect(durationInWords(15 * MINUTE)).toBe("15 minutes");
    expect(durationInWords(MINUTE)).toBe("1 minute");
    expect(durationInWords(1)).toBe("1 minute");
    expect(durationInWords(60 * MINUTE)).toBe("1 hour");
    expect(durationInWords(150 * MINUTE)).toBe("2 hours 30 minutes");
    expect(durationInWords(24 * 60 * MINUTE)).toBe("24 hours");
  });
});

describe("secrets", () => {
  it("stores salted scrypt hashes that verify only the right secret", () => {
    const a = hashSecret("1234");
    expect(a).not.toBe(hashSecret("1234"));
    expect(verifySecret("1234", a)).toBe(true);
    expect(verifySecret("1235", a)).toBe(false);
    expect(verifySecret("1234", "garbage")).toBe(false);
    expect(verifySecret("1234", null)).toBe(false);
  });
});

/** The account-number-and-PIN answer policy on a real ledger file. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Ledger } from "./ledger";
import { accountNumberPinPolicy } from "./policy";
import { hashSecret, verifySecret } from "./secrets";

let dir: string;
let ledger: Ledger;
let accountId: string;
const policy = accountNumberPinPolicy({ maxFailedSecrets: 3 });

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
    expect(policy.check({ accountNumber: "3000-0001", pin: "2580" }, ledger)).toEqual({
      accountId,
      accountLabel: "Dana Test ••0001",
    });
  });

  it("refuses a wrong PIN, an unknown account and missing answers", () => {
    expect(policy.check({ accountNumber: "3000-0001", pin: "0000" }, ledger)).toBeUndefined();
    expect(policy.check({ accountNumber: "3000-9999", pin: "2580" }, ledger)).toBeUndefined();
    expect(policy.check({}, ledger)).toBeUndefined();
  });

  it("stops accepting an account after too many wrong PINs in a row, across sessions, until reset", () => {
    for (let i = 0; i < 3; i++)
      expect(policy.check({ accountNumber: "3000-0001", pin: "1111" }, ledger)).toBeUndefined();
    expect(policy.check({ accountNumber: "3000-0001", pin: "2580" }, ledger)).toBeUndefined();
    ledger.accounts.resetFailedSecrets(accountId);
    expect(policy.check({ accountNumber: "3000-0001", pin: "2580" }, ledger)?.accountId).toBe(accountId);
  });

  it("starts the count again after a right PIN", () => {
    policy.check({ accountNumber: "3000-0001", pin: "1111" }, ledger);
    policy.check({ accountNumber: "3000-0001", pin: "1111" }, ledger);
    expect(policy.check({ accountNumber: "3000-0001", pin: "2580" }, ledger)).toBeDefined();
    expect(ledger.accounts.get(accountId)?.failed_secret_attempts).toBe(0);
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

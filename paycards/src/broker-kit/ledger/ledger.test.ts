/** The ledger on a real SQLite file: holds, endorsement rules, capture, release, sessions, bindings. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Endorsement,
  isQuickPayError,
  newId,
  type SignedEndorsement,
  sha256Hex,
} from "@quickpay/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hashSecret } from "../secrets";
import { credentialHash, Ledger } from ".";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const VENDOR = `v_${"1".repeat(32)}`;
const OTHER_VENDOR = `v_${"2".repeat(32)}`;
const BROKER = `b_${"3".repeat(32)}`;
const WALLET = `w_${"4".repeat(32)}`;

let dir: string;
let ledger: Ledger;
let accountId: string;
let paycardId: string;

function signed(digest: string, value: string, expiresAt = T0 + 60_000): SignedEndorsement {
  const endorsement: Endorsement = {
    commitId: newId("c_"),
    orderDigest: digest,
    vendorId: VENDOR,
    amount: { currency: "USD", value },
    brokerId: BROKER,
    expiresAt: new Date(expiresAt).toISOString(),
  };
  // The ledger stores what it is given; the real signature is tested at the HTTP layer.
  return { endorsement, sig: "x".repeat(86) };
}

function endorse(
  digest: string,
  micros: number,
  value: string,
  options: { paycard?: string; at?: number } = {},
) {
  return ledger.commitments.endorse(
    {
      paycardId: options.paycard ?? paycardId,
      accountId,
      kind: "micro",
      amountMicros: micros,
      signed: signed(digest, value),
      registerMessageId: newId(),
    },
    options.at ?? T0,
  );
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isQuickPayError(error) ? error.code : `not a QuickPayError: ${String(error)}`;
  }
  return undefined;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "paycards-ledger-"));
  ledger = Ledger.open(join(dir, "ledger.sqlite"));
  accountId = ledger.accounts.ensure(
    { number: "1000-0001", holder: "Alice", currency: "USD", balanceMicros: 50_000 },
    T0,
  ).account_id;
  const session = ledger.paycards.openSession(WALLET, "demo-bank", 3, T0 + 60_000, T0);
  paycardId = ledger.paycards.bind(session.session_id, WALLET, accountId, T0).paycardId;
});

afterEach(() => {
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("ledger", () => {
  it("opens the file with WAL and synchronous=FULL", () => {
    expect(ledger.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(ledger.db.pragma("synchronous", { simple: true })).toBe(2);
  });

  it("takes a hold at endorsement: available = balance − live holds", () => {
    endorse(sha256Hex("order-1"), 10_000, "0.01");
    expect(ledger.accounts.balance(accountId)).toMatchObject({
      balanceMicros: 50_000,
      heldMicros: 10_000,
      availableMicros: 40_000,
    });
    expect(ledger.outbox.pendingCount()).toBe(1);
  });

  it("never commits more than the available balance, and a refusal changes nothing", () => {
    endorse(sha256Hex("order-1"), 45_000, "0.045");
    expect(codeOf(() => endorse(sha256Hex("order-2"), 10_000, "0.01"))).toBe("insufficient_funds");
    expect(ledger.commitments.byDigest(sha256Hex("order-2"))).toBeUndefined();
    expect(ledger.commitments.countHolds(accountId).live).toBe(1);
    expect(ledger.outbox.pendingCount()).toBe(1);
  });

  it("returns the same endorsement for a repeat of the same digest by the same Paycard, without a second hold", () => {
    const first = endorse(sha256Hex("order-1"), 10_000, "0.01");
    const again = endorse(sha256Hex("order-1"), 10_000, "0.01");
    expect(again.repeat).toBe(true);
    expect(again.signed).toEqual(first.signed);
    expect(ledger.accounts.balance(accountId).heldMicros).toBe(10_000);
    expect(ledger.outbox.pendingCount()).toBe(1);
  });

  it("never endorses the same digest for another Paycard or another amount", () => {
    endorse(sha256Hex("order-1"), 10_000, "0.01");
    const otherSession = ledger.paycards.openSession(`w_${"5".repeat(32)}`, "demo-bank", 3, T0 + 1, T0);
    const other = ledger.paycards.bind(
      otherSession.session_id,
      `w_${"5".repeat(32)}`,
      accountId,
      T0,
    ).paycardId;
    expect(codeOf(() => endorse(sha256Hex("order-1"), 10_000, "0.01", { paycard: other }))).toBe(
      "already_endorsed",
    );
    expect(codeOf(() => endorse(sha256Hex("order-1"), 20_000, "0.02"))).toBe("already_endorsed");
    expect(ledger.accounts.balance(accountId).heldMicros).toBe(10_000);
  });

  it("captures a claimed micro commitment: the balance is debited and the hold closed", () => {
    const { signed: s } = endorse(sha256Hex("order-1"), 10_000, "0.01");
    const claim = {
      commitId: s.endorsement.commitId,
      orderDigest: s.endorsement.orderDigest,
      vendorId: VENDOR,
      currency: "USD",
      amountMicros: 10_000,
    };
    expect(ledger.commitments.claim(claim, T0 + 1).status).toBe("captured");
    expect(ledger.accounts.balance(accountId)).toMatchObject({
      balanceMicros: 40_000,
      heldMicros: 0,
      availableMicros: 40_000,
    });
    // A repeated Check Commit is harmless: no second debit.
    expect(ledger.commitments.claim(claim, T0 + 2).status).toBe("captured");
    expect(ledger.accounts.balance(accountId).balanceMicros).toBe(40_000);
    expect(ledger.accounts.entries(accountId).map((e) => e.amount_micros)).toEqual([50_000, -10_000]);
  });

  it("refuses a claim that differs from the commitment, changing nothing", () => {
    const { signed: s } = endorse(sha256Hex("order-1"), 10_000, "0.01");
    const base = {
      commitId: s.endorsement.commitId,
      orderDigest: s.endorsement.orderDigest,
      vendorId: VENDOR,
      currency: "USD",
      amountMicros: 10_000,
    };
    expect(codeOf(() => ledger.commitments.claim({ ...base, vendorId: OTHER_VENDOR }, T0))).toBe("mismatch");
    expect(codeOf(() => ledger.commitments.claim({ ...base, amountMicros: 1 }, T0))).toBe("mismatch");
    expect(codeOf(() => ledger.commitments.claim({ ...base, orderDigest: sha256Hex("x") }, T0))).toBe(
      "mismatch",
    );
    expect(codeOf(() => ledger.commitments.claim({ ...base, commitId: newId("c_") }, T0))).toBe(
      "unknown_commit",
    );
    expect(ledger.commitments.get(base.commitId)?.status).toBe("held");
    expect(ledger.accounts.balance(accountId).heldMicros).toBe(10_000);
  });

  it("releases expired unclaimed holds, refuses their claim and never reissues the digest", () => {
    const { signed: s } = endorse(sha256Hex("order-1"), 10_000, "0.01");
    const expiry = Date.parse(s.endorsement.expiresAt);
    expect(ledger.commitments.releaseExpired(expiry - 1)).toBe(0);
    expect(ledger.commitments.releaseExpired(expiry)).toBe(1);
    expect(ledger.accounts.balance(accountId)).toMatchObject({ heldMicros: 0, availableMicros: 50_000 });
    const claim = {
      commitId: s.endorsement.commitId,
      orderDigest: s.endorsement.orderDigest,
      vendorId: VENDOR,
      currency: "USD",
      amountMicros: 10_000,
    };
    expect(codeOf(() => ledger.commitments.claim(claim, expiry))).toBe("order_expired");
    expect(codeOf(() => endorse(sha256Hex("order-1"), 10_000, "0.01", { at: expiry }))).toBe("order_expired");
  });

  it("keeps a claimed regular commitment held past its expiry (it is the vendor's now)", () => {
    const s = signed(sha256Hex("regular-1"), "0.02");
    ledger.commitments.endorse(
      { paycardId, accountId, kind: "regular", amountMicros: 20_000, signed: s, registerMessageId: newId() },
      T0,
    );
    const claimed = ledger.commitments.claim(
      {
        commitId: s.endorsement.commitId,
        orderDigest: s.endorsement.orderDigest,
        vendorId: VENDOR,
        currency: "USD",
        amountMicros: 20_000,
      },
      T0 + 1,
    );
    expect(claimed.status).toBe("claimed");
    ledger.commitments.releaseExpired(T0 + 10 * 60_000);
    expect(ledger.accounts.balance(accountId)).toMatchObject({ balanceMicros: 50_000, heldMicros: 20_000 });
  });

  it("limits wrong answers per session and locks the session at zero", () => {
    const s = ledger.paycards.openSession(WALLET, "demo-bank", 3, T0 + 60_000, T0);
    expect(ledger.paycards.recordWrongAnswer(s.session_id)).toBe(2);
    expect(ledger.paycards.recordWrongAnswer(s.session_id)).toBe(1);
    expect(ledger.paycards.recordWrongAnswer(s.session_id)).toBe(0);
    expect(ledger.paycards.session(s.session_id)?.status).toBe("locked");
    expect(codeOf(() => ledger.paycards.bind(s.session_id, WALLET, accountId, T0))).toBe("conflict");
  });

  it("stores only the credential's hash and authorizes only its wallet", () => {
    const s = ledger.paycards.openSession(WALLET, "demo-bank", 3, T0 + 60_000, T0);
    const { paycardId: again, credential } = ledger.paycards.bind(s.session_id, WALLET, accountId, T0);
    // Adding the same account again keeps the Paycard id and rotates the credential.
    expect(again).toBe(paycardId);
    const row = ledger.paycards.paycard(again)!;
    expect(row.credential_hash).toBe(credentialHash(credential));
    expect(JSON.stringify(row)).not.toContain(credential);
    expect(ledger.paycards.authorize(again, WALLET, credential).account_id).toBe(accountId);
    expect(codeOf(() => ledger.paycards.authorize(again, `w_${"9".repeat(32)}`, credential))).toBe(
      "unauthorized",
    );
    expect(codeOf(() => ledger.paycards.authorize(again, WALLET, `${credential.slice(1)}A`))).toBe(
      "unauthorized",
    );
  });

  it("keeps seeding repeatable and balances across reopening the file", () => {
    endorse(sha256Hex("order-1"), 10_000, "0.01");
    const path = ledger.db.name;
    ledger.close();
    ledger = Ledger.open(path);
    const again = ledger.accounts.ensure(
      {
        number: "1000-0001",
        holder: "Alice",
        currency: "USD",
        balanceMicros: 999,
        secretHash: hashSecret("1"),
      },
      T0,
    );
    expect(again.account_id).toBe(accountId);
    expect(ledger.accounts.balance(accountId)).toMatchObject({ balanceMicros: 50_000, heldMicros: 10_000 });
  });
});

/**
 * The ledger on a real SQLite file: holds, endorsement rules, claim at Check Commit, capture at
 * settlement (once, whichever path), release of lapsed holds, sessions, bindings, migration.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Endorsement,
  type HostApproval,
  isQuickPayError,
  newId,
  type SignedEndorsement,
  type SignedSettlementStatement,
  sha256Hex,
} from "@quickpay/protocol";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hashSecret } from "../secrets";
import { credentialHash, DEFAULT_SETTLE_WITHIN_MS, LEDGER_VERSION, Ledger } from ".";

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

function claimOf(s: SignedEndorsement, kind: "micro" | "regular" = "micro") {
  return {
    kind,
    commitId: s.endorsement.commitId,
    orderDigest: s.endorsement.orderDigest,
    vendorId: s.endorsement.vendorId,
    currency: s.endorsement.amount.currency,
    amountMicros: Math.round(Number(s.endorsement.amount.value) * 1_000_000),
  };
}

/** Settle With Broker at the ledger: plan and record one statement for these endorsements. */
function settleByStatement(orders: SignedEndorsement[], now: number) {
  const entries = orders.map((e) => ({ orderDigest: e.endorsement.orderDigest, endorsement: e }));
  const plan = ledger.settlements.plan(BROKER, VENDOR, entries, now);
  // The ledger stores what it is given; the statement's signature is tested at the HTTP layer.
  const signed = {
    statement: { statementId: newId("s_") },
    sig: "x",
  } as unknown as SignedSettlementStatement;
  const done = ledger.settlements.settleBatch(
    {
      brokerId: BROKER,
      vendorId: VENDOR,
      messageId: newId(),
      orders: entries,
      plan,
      signed,
      registerMessageId: newId(),
    },
    now,
  );
  expect(done).toBeDefined();
  return plan;
}

function approval(s: SignedEndorsement): HostApproval {
  return {
    hostId: `h_${"6".repeat(32)}`,
    orderDigest: s.endorsement.orderDigest,
    commitId: s.endorsement.commitId,
    vendorId: VENDOR,
    brokerId: BROKER,
    amount: s.endorsement.amount,
    approvedAt: new Date(T0).toISOString(),
  };
}

/** Every account's balance is the sum of its entries, and never below zero. */
function expectBalancesExplained() {
  for (const a of ledger.accounts.list()) {
    const sum = ledger.accounts.entries(a.account_id).reduce((n, e) => n + e.amount_micros, 0);
    expect(a.balance_micros).toBe(sum);
    expect(a.balance_micros).toBeGreaterThanOrEqual(0);
  }
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

  it("claims at Check Commit without moving money: claimed but never settled is never debited", () => {
    const { signed: s } = endorse(sha256Hex("order-1"), 10_000, "0.01");
    const claimed = ledger.commitments.claim(claimOf(s), T0 + 1);
    expect(claimed).toMatchObject({ status: "claimed", claimed_by: VENDOR, claimed_at: T0 + 1 });
    // The hold is the vendor's now: still reserved, no longer due at the endorsement's expiry.
    expect(ledger.commitments.holdExpiry(s.endorsement.commitId)).toBe(T0 + 1 + DEFAULT_SETTLE_WITHIN_MS);
    expect(ledger.accounts.balance(accountId)).toMatchObject({
      balanceMicros: 50_000,
      heldMicros: 10_000,
      availableMicros: 40_000,
    });
    // A repeated Check Commit is harmless and keeps the deadline.
    expect(ledger.commitments.claim(claimOf(s), T0 + 2).status).toBe("claimed");
    expect(ledger.commitments.holdExpiry(s.endorsement.commitId)).toBe(T0 + 1 + DEFAULT_SETTLE_WITHIN_MS);
    ledger.commitments.releaseExpired(T0 + 60 * 60_000);
    expect(ledger.accounts.balance(accountId).balanceMicros).toBe(50_000);
    expect(ledger.accounts.entries(accountId).map((e) => e.amount_micros)).toEqual([50_000]);
  });

  it("captures at settlement exactly once: the statement debits, a later host approval does not", () => {
    const { signed: s } = endorse(sha256Hex("order-1"), 10_000, "0.01");
    ledger.commitments.claim(claimOf(s), T0 + 1);
    expect(settleByStatement([s], T0 + 2).accepted).toHaveLength(1);
    expect(ledger.commitments.get(s.endorsement.commitId)?.status).toBe("captured");
    expect(ledger.accounts.balance(accountId)).toMatchObject({
      balanceMicros: 40_000,
      heldMicros: 0,
      availableMicros: 40_000,
    });
    expect(ledger.settlements.payHostApproval(approval(s), "1", T0 + 3)).toBe("already_settled");
    expect(settleByStatement([s], T0 + 4).rejected).toMatchObject([{ code: "already_settled" }]);
    expect(ledger.accounts.entries(accountId)).toMatchObject([
      { amount_micros: 50_000, reason: "opening" },
      { amount_micros: -10_000, reason: "micropayment", ref: s.endorsement.commitId },
    ]);
    expect(ledger.settlements.payable(VENDOR)).toBe(10_000);
    expectBalancesExplained();
  });

  it("captures at settlement exactly once: a host approval debits, the statement then refuses", () => {
    const { signed: s } = endorse(sha256Hex("order-1"), 10_000, "0.01");
    ledger.commitments.claim(claimOf(s), T0 + 1);
    expect(ledger.settlements.payHostApproval(approval(s), "1", T0 + 2)).toBe("paid");
    expect(ledger.settlements.payHostApproval(approval(s), "2", T0 + 3)).toBe("already_settled");
    expect(settleByStatement([s], T0 + 4).rejected).toMatchObject([{ code: "already_settled" }]);
    expect(ledger.accounts.balance(accountId)).toMatchObject({ balanceMicros: 40_000, heldMicros: 0 });
    expect(ledger.accounts.entries(accountId)).toHaveLength(2);
    expect(ledger.settlements.payable(VENDOR)).toBe(10_000);
    expectBalancesExplained();
  });

  it("refuses a settlement of a commitment never claimed, and one the vendor did not claim in time", () => {
    const { signed: s } = endorse(sha256Hex("order-1"), 10_000, "0.01");
    expect(settleByStatement([s], T0 + 1).rejected).toMatchObject([{ code: "unknown_commit" }]);
    const expiry = Date.parse(s.endorsement.expiresAt);
    expect(settleByStatement([s], expiry).rejected).toMatchObject([
      { code: "order_expired", reason: expect.stringMatching(/expired unclaimed/) },
    ]);
    expect(ledger.settlements.payHostApproval(approval(s), "1", expiry)).toBe("expired");
    expect(ledger.accounts.balance(accountId)).toMatchObject({ balanceMicros: 50_000, heldMicros: 0 });
    expect(ledger.settlements.payable(VENDOR)).toBe(0);
  });

  it("releases a claimed hold not settled within settleWithinMs; both settlement paths then refuse it", () => {
    const settleWithin = 60 * 60_000;
    const { signed: a } = endorse(sha256Hex("order-a"), 10_000, "0.01");
    const { signed: b } = endorse(sha256Hex("order-b"), 20_000, "0.02");
    ledger.commitments.claim(claimOf(a), T0 + 1, settleWithin);
    ledger.commitments.claim(claimOf(b), T0 + 1, settleWithin);
    const deadline = T0 + 1 + settleWithin;
    expect(ledger.commitments.releaseExpired(deadline - 1)).toEqual({ unclaimed: [], unsettled: [] });
    expect(ledger.accounts.balance(accountId).heldMicros).toBe(30_000);
    // No sweep needed: the settlement itself releases what lapsed before deciding.
    expect(settleByStatement([a], deadline).rejected).toMatchObject([
      { code: "order_expired", reason: expect.stringMatching(/not settled in time/) },
    ]);
    expect(ledger.settlements.payHostApproval(approval(b), "1", deadline)).toBe("expired");
    expect(ledger.settlements.payHostApproval(approval(a), "2", deadline)).toBe("expired");
    expect(codeOf(() => ledger.commitments.claim(claimOf(a), deadline))).toBe("order_expired");
    expect(ledger.accounts.balance(accountId)).toMatchObject({
      balanceMicros: 50_000,
      heldMicros: 0,
      availableMicros: 50_000,
    });
    expect(ledger.commitments.get(a.endorsement.commitId)?.status).toBe("released");
    expect(ledger.settlements.payable(VENDOR)).toBe(0);
    expect(ledger.accounts.entries(accountId)).toHaveLength(1);
  });

  it("never lets the balance go negative, even if a capture could not be covered", () => {
    const { signed: s } = endorse(sha256Hex("order-1"), 10_000, "0.01");
    ledger.commitments.claim(claimOf(s), T0 + 1);
    // Only captures debit, so this cannot happen; forced here, the settlement is refused whole.
    ledger.db.prepare("UPDATE accounts SET balance_micros = 5000 WHERE account_id = ?").run(accountId);
    expect(codeOf(() => ledger.settlements.payHostApproval(approval(s), "1", T0 + 2))).toBe("internal");
    expect(ledger.accounts.get(accountId)?.balance_micros).toBe(5_000);
    expect(ledger.settlements.byCommit(s.endorsement.commitId)).toBeUndefined();
    expect(ledger.settlements.payable(VENDOR)).toBe(0);
    expect(ledger.settlements.mailCursor()).toBeUndefined();
  });

  it("refuses a claim that differs from the commitment, changing nothing", () => {
    const { signed: s } = endorse(sha256Hex("order-1"), 10_000, "0.01");
    const base = {
      commitId: s.endorsement.commitId,
      orderDigest: s.endorsement.orderDigest,
      vendorId: VENDOR,
      currency: "USD",
      amountMicros: 10_000,
      kind: "micro" as const,
    };
    expect(codeOf(() => ledger.commitments.claim({ ...base, vendorId: OTHER_VENDOR }, T0))).toBe("mismatch");
    expect(codeOf(() => ledger.commitments.claim({ ...base, kind: "regular" }, T0))).toBe("mismatch");
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
    expect(ledger.commitments.releaseExpired(expiry - 1)).toEqual({ unclaimed: [], unsettled: [] });
    expect(ledger.commitments.releaseExpired(expiry)).toEqual({
      unclaimed: [s.endorsement.commitId],
      unsettled: [],
    });
    expect(ledger.accounts.balance(accountId)).toMatchObject({ heldMicros: 0, availableMicros: 50_000 });
    expect(codeOf(() => ledger.commitments.claim(claimOf(s), expiry))).toBe("order_expired");
    expect(codeOf(() => endorse(sha256Hex("order-1"), 10_000, "0.01", { at: expiry }))).toBe("order_expired");
  });

  it("releases an expired hold lazily inside the claim, without a sweep", () => {
    const { signed: s } = endorse(sha256Hex("order-1"), 10_000, "0.01");
    expect(codeOf(() => ledger.commitments.claim(claimOf(s), Date.parse(s.endorsement.expiresAt)))).toBe(
      "order_expired",
    );
    expect(ledger.commitments.get(s.endorsement.commitId)?.status).toBe("released");
    expect(ledger.balance(accountId, T0).heldMicros).toBe(0);
  });

  it("keeps a claimed regular commitment held past its endorsement's expiry, for its vendor", () => {
    const s = signed(sha256Hex("regular-1"), "0.02");
    ledger.commitments.endorse(
      { paycardId, accountId, kind: "regular", amountMicros: 20_000, signed: s, registerMessageId: newId() },
      T0,
    );
    expect(ledger.commitments.claim(claimOf(s, "regular"), T0 + 1).status).toBe("claimed");
    ledger.commitments.releaseExpired(T0 + 10 * 60_000);
    expect(ledger.accounts.balance(accountId)).toMatchObject({ balanceMicros: 50_000, heldMicros: 20_000 });
    expect(ledger.settlements.payHostApproval(approval(s), "1", T0 + 10 * 60_000)).toBe("paid");
    expect(ledger.accounts.entries(accountId).at(-1)).toMatchObject({
      amount_micros: -20_000,
      reason: "payment",
    });
    expectBalancesExplained();
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

describe("ledger migration", () => {
  it("opens a ledger file written before capture moved to settlement, keeping its claims and accounts", () => {
    const path = join(dir, "v0.sqlite");
    const old = new Database(path);
    old.exec(readFileSync(join(import.meta.dirname, "testdata", "ledger-v0.sql"), "utf8"));
    old.exec(`
      INSERT INTO accounts (account_id, number, holder, currency, balance_micros, failed_secret_attempts, created_at)
        VALUES ('a_old', '9000-0001', 'Old Holder', 'USD', 40000, 10, ${T0});
      INSERT INTO entries (account_id, amount_micros, reason, ref, at) VALUES
        ('a_old', 50000, 'opening', NULL, ${T0}), ('a_old', -10000, 'micropayment', 'c_micro', ${T0});
      INSERT INTO paycards (paycard_id, wallet_id, account_id, credential_hash, created_at)
        VALUES ('p_old', '${WALLET}', 'a_old', 'x', ${T0});
      INSERT INTO commitments (commit_id, order_digest, paycard_id, account_id, vendor_id, kind, currency,
          amount_micros, signed_json, status, claimed_by, claimed_at, expires_at, created_at) VALUES
        ('c_micro', '${sha256Hex("m")}', 'p_old', 'a_old', '${VENDOR}', 'micro', 'USD', 10000, '{}', 'captured', '${VENDOR}', ${T0}, ${T0 + 1000}, ${T0}),
        ('c_regular', '${sha256Hex("r")}', 'p_old', 'a_old', '${VENDOR}', 'regular', 'USD', 20000, '{}', 'claimed', '${VENDOR}', ${T0}, ${T0 + 1000}, ${T0});
      INSERT INTO holds (account_id, commit_id, amount_micros, status, expires_at, created_at, closed_at) VALUES
        ('a_old', 'c_micro', 10000, 'captured', ${T0 + 1000}, ${T0}, ${T0}),
        ('a_old', 'c_regular', 20000, 'live', ${T0 + 1000}, ${T0}, NULL);
      INSERT INTO outbox (message_id, type, body_json, attempts, next_attempt_at, created_at)
        VALUES ('m_old', 'RegisterCommit', '{}', 3, ${T0}, ${T0});
    `);
    old.close();

    const migrated = Ledger.open(path);
    try {
      expect(migrated.db.pragma("user_version", { simple: true })).toBe(LEDGER_VERSION);
      // The old regular claim gets the default time to be settled from its claim, not the endorsement's expiry.
      expect(migrated.commitments.holdExpiry("c_regular")).toBe(T0 + DEFAULT_SETTLE_WITHIN_MS);
      expect(migrated.commitments.releaseExpired(T0 + 60 * 60_000)).toEqual({ unclaimed: [], unsettled: [] });
      expect(migrated.accounts.balance("a_old")).toMatchObject({ balanceMicros: 40_000, heldMicros: 20_000 });
      expect(migrated.accounts.get("a_old")).toMatchObject({ secret_lockouts: 0, secret_locked_until: null });
      expect(migrated.outbox.pendingCount()).toBe(1);
      expect(migrated.outbox.byMessageId("m_old")).toMatchObject({ attempts: 3, gave_up_at: null });
      // The micro order captured at Check Commit under the old rules settles without a second debit.
      const approve = (commitId: string, digest: string, value: string): HostApproval => ({
        hostId: `h_${"6".repeat(32)}`,
        orderDigest: digest,
        commitId,
        vendorId: VENDOR,
        brokerId: BROKER,
        amount: { currency: "USD", value },
        approvedAt: new Date(T0).toISOString(),
      });
      expect(
        migrated.settlements.payHostApproval(approve("c_micro", sha256Hex("m"), "0.01"), "1", T0 + 2),
      ).toBe("paid");
      expect(migrated.accounts.balance("a_old").balanceMicros).toBe(40_000);
      expect(
        migrated.settlements.payHostApproval(approve("c_regular", sha256Hex("r"), "0.02"), "2", T0 + 3),
      ).toBe("paid");
      expect(migrated.accounts.balance("a_old")).toMatchObject({ balanceMicros: 20_000, heldMicros: 0 });
      expect(migrated.settlements.payable(VENDOR)).toBe(30_000);
    } finally {
      migrated.close();
    }
    // Opening again changes nothing more (the data step ran once).
    const again = Ledger.open(path);
    try {
      expect(again.accounts.balance("a_old")).toMatchObject({ balanceMicros: 20_000, heldMicros: 0 });
    } finally {
      again.close();
    }
  });
});

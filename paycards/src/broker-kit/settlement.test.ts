/**
 * Settle With Broker and host approvals over real HTTP against a real host: one signed statement per
 * batch, each commitment paid at most once whichever path (broker statement or host approval) asks.
 */
import {
  assertSettlementStatement,
  type MessageType,
  newId,
  newPayerSalt,
  randomBytes,
  type SignedEndorsement,
  type SignedSettlementStatement,
  sendMessage,
  sha256Hex,
  signEnvelope,
} from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTestVendor, type TestPlayer } from "../testing/players";
import { ALICE, addPaycard, type Fixture, postMessage, startFixture } from "./test-fixture";

let f: Fixture;
let alice: { paycardId: string; credential: string };

beforeAll(async () => {
  f = await startFixture({ approvalPollMs: 0 });
  alice = await addPaycard(f, f.wallet, ALICE);
});

afterAll(async () => {
  await f?.close();
});

const usd = (value: string) => ({ currency: "USD", value });

/** An endorsed order for `vendor`, claimed with Check Commit unless `claim` is false (nothing debited yet). */
async function purchase(vendor: TestPlayer = f.vendor, claim = true, value = "0.01") {
  const r = await postMessage(f, f.wallet, "InquiryPayment", {
    ...alice,
    orderDigest: sha256Hex(randomBytes(32)),
    vendorId: vendor.id,
    amount: usd(value),
    kind: "micro",
    orderExpiresAt: new Date(Date.now() + 5 * 60_000).toISOString(),
    payerSalt: newPayerSalt(),
  });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  const endorsement = r.json.endorsement as SignedEndorsement;
  if (claim) {
    const { commitId, orderDigest, vendorId, amount } = endorsement.endorsement;
    const c = await postMessage(f, vendor, "CheckCommit", {
      commitId,
      orderDigest,
      vendorId,
      amount,
      kind: "micro",
    });
    expect(c.status).toBe(200);
  }
  return { orderDigest: endorsement.endorsement.orderDigest, endorsement };
}

const entry = (o: { orderDigest: string; endorsement: SignedEndorsement }) => ({
  orderDigest: o.orderDigest,
  endorsement: o.endorsement,
});

async function settleWithBroker(orders: Awaited<ReturnType<typeof purchase>>[], id?: string) {
  return postMessage(f, f.vendor, "SettleWithBroker", { orders: orders.map(entry) }, id ? { id } : {});
}

async function toHost<T extends MessageType>(who: TestPlayer, type: T, body: unknown) {
  return sendMessage(f.host.url, type, (await signEnvelope(who.signer, type, body)) as never);
}

async function settleWithHost(digest: string) {
  return toHost(f.vendor, "SettleWithHost", { orders: [{ orderDigest: digest }] });
}

/** The host's majority: the broker's Register Commit (outbox) and the vendor's Register Delivery. */
async function registerWithHost(o: Awaited<ReturnType<typeof purchase>>) {
  await f.broker.flushOutbox();
  const { commitId, vendorId, amount } = o.endorsement.endorsement;
  await toHost(f.vendor, "RegisterDelivery", { orderDigest: o.orderDigest, commitId, vendorId, amount });
}

const payable = () => f.broker.ledger.settlements.payable(f.vendor.id);

/** Alice's settled balance (micro-units): it moves only when a settlement captures a hold. */
const aliceBalance = () => f.broker.ledger.accounts.byNumber(ALICE.accountNumber)!.balance_micros;

/** The ledger entries that debited the account for this order: exactly one once it is settled. */
const debits = (o: { endorsement: SignedEndorsement }) => {
  const { commitId } = o.endorsement.endorsement;
  const account = f.broker.ledger.commitments.get(commitId)!.account_id;
  return f.broker.ledger.accounts.entries(account).filter((e) => e.ref === commitId);
};

async function hostSettlement(digest: string) {
  const r = await fetch(`${f.host.url}/v1/admin/orders/${digest}`, {
    headers: { authorization: `Bearer ${f.host.operatorToken}` },
  });
  // The dispute view keeps settlements per broker; this order has one broker.
  return ((await r.json()) as { settlements: { path: string }[] }).settlements[0] ?? null;
}

describe("Settle With Broker", () => {
  it("settles claimed commitments under one signed statement, credits the vendor once, is idempotent", async () => {
    const a = await purchase();
    const b = await purchase(f.vendor, true, "0.02");
    const unclaimed = await purchase(f.vendor, false);
    const before = payable();
    const balanceBefore = aliceBalance();
    const id = newId();
    const r = await settleWithBroker([a, b, unclaimed], id);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const signed = r.json as unknown as SignedSettlementStatement;
    await assertSettlementStatement(signed, f.brokerKey.publicKey);
    expect(signed.statement).toMatchObject({
      brokerId: f.broker.brokerId,
      vendorId: f.vendor.id,
      accepted: [a.orderDigest, b.orderDigest],
      total: usd("0.03"),
      rejected: [{ orderDigest: unclaimed.orderDigest, code: "unknown_commit" }],
    });
    expect(payable() - before).toBe(30_000);
    // The statement captured the two claimed holds: the shopper pays now, and only for those.
    expect(balanceBefore - aliceBalance()).toBe(30_000);
    expect(debits(a)).toMatchObject([{ amount_micros: -10_000, reason: "micropayment" }]);
    expect(debits(unclaimed)).toEqual([]);
    expect(f.broker.ledger.commitments.get(unclaimed.endorsement.endorsement.commitId)?.status).toBe("held");

    expect((await settleWithBroker([a, b, unclaimed], id)).json).toEqual(r.json);
    const again = await settleWithBroker([a, b]);
    expect((again.json as unknown as SignedSettlementStatement).statement).toMatchObject({
      accepted: [],
      total: usd("0.00"),
      rejected: [
        { orderDigest: a.orderDigest, code: "already_settled" },
        { orderDigest: b.orderDigest, code: "already_settled" },
      ],
    });
    expect(payable() - before).toBe(30_000);
    expect(balanceBefore - aliceBalance()).toBe(30_000);

    // Register Settlement reached the host: the host path is closed for these orders.
    expect((await f.broker.flushOutbox()).pending).toBe(0);
    expect(await hostSettlement(a.orderDigest)).toMatchObject({ path: "broker" });
    expect(await hostSettlement(unclaimed.orderDigest)).toBeNull();
  });

  it("rejects another vendor's, tampered and unknown endorsements; refuses duplicates, changing nothing", async () => {
    const other = await registerTestVendor(f.host.url);
    const theirs = await purchase(other);
    const tampered = await purchase();
    const forged = {
      ...tampered,
      endorsement: {
        ...tampered.endorsement,
        endorsement: { ...tampered.endorsement.endorsement, amount: usd("5.00") },
      },
    };
    const unknown = {
      orderDigest: sha256Hex(randomBytes(32)),
      endorsement: {
        ...tampered.endorsement,
        endorsement: { ...tampered.endorsement.endorsement, commitId: newId("c_") },
      },
    };
    unknown.endorsement.endorsement.orderDigest = unknown.orderDigest;
    const before = payable();
    const r = await settleWithBroker([theirs, forged, unknown]);
    expect((r.json as unknown as SignedSettlementStatement).statement.rejected.map((x) => x.code)).toEqual([
      "forbidden",
      "bad_signature",
      "unknown_commit",
    ]);
    expect(payable()).toBe(before);

    const snapshot = await f.snapshot();
    const dup = await settleWithBroker([tampered, tampered]);
    expect(dup).toMatchObject({ status: 400, json: { error: { code: "invalid_request" } } });
    expect(await f.snapshot()).toEqual(snapshot);
  });
});

describe("at most once, whichever path settles", () => {
  it("(a) settled with the broker → the host refuses Settle With Host as already_settled", async () => {
    const o = await purchase();
    await registerWithHost(o);
    const balanceBefore = aliceBalance();
    expect((await settleWithBroker([o])).status).toBe(200);
    await f.broker.flushOutbox();
    const reply = await settleWithHost(o.orderDigest);
    expect(reply.results[0]).toMatchObject({ status: "rejected", code: "already_settled" });
    expect(await f.broker.consumeApprovals()).toMatchObject({ paid: [] });
    expect(balanceBefore - aliceBalance()).toBe(10_000);
    expect(debits(o)).toHaveLength(1);
  });

  it("(b) approved by the host → paid once from the mailbox; Settle With Broker then rejects it", async () => {
    const o = await purchase();
    await registerWithHost(o);
    const before = payable();
    const balanceBefore = aliceBalance();
    expect((await settleWithHost(o.orderDigest)).results[0]?.status).toBe("approved");
    // Approved, not yet consumed: the broker has not captured anything.
    expect(aliceBalance()).toBe(balanceBefore);
    const consumed = await f.broker.consumeApprovals();
    expect(consumed).toEqual({ paid: [o.orderDigest], alreadySettled: [], expired: [], invalid: 0 });
    expect(payable() - before).toBe(10_000);
    const r = await settleWithBroker([o]);
    expect((r.json as unknown as SignedSettlementStatement).statement.rejected).toMatchObject([
      { orderDigest: o.orderDigest, code: "already_settled" },
    ]);
    expect(await f.broker.consumeApprovals()).toEqual({
      paid: [],
      alreadySettled: [],
      expired: [],
      invalid: 0,
    });
    expect(payable() - before).toBe(10_000);
    expect(balanceBefore - aliceBalance()).toBe(10_000);
    expect(debits(o)).toHaveLength(1);
    expect(f.broker.ledger.settlements.byCommit(o.endorsement.endorsement.commitId)?.path).toBe("host");
  });

  it("(c) both paths racing credit the vendor and debit the shopper exactly once", async () => {
    const orders = await Promise.all(Array.from({ length: 4 }, () => purchase()));
    for (const o of orders) await registerWithHost(o);
    const before = payable();
    const balanceBefore = aliceBalance();
    const [byBroker, ...byHost] = await Promise.all([
      settleWithBroker(orders),
      ...orders.map((o) => settleWithHost(o.orderDigest)),
      f.broker.consumeApprovals(),
    ]);
    expect(byBroker!.status).toBe(200);
    await f.broker.flushOutbox();
    await f.broker.consumeApprovals();
    expect(payable() - before).toBe(40_000);
    expect(balanceBefore - aliceBalance()).toBe(40_000);
    for (const o of orders) expect(debits(o)).toHaveLength(1);
    const hostApproved = byHost
      .slice(0, orders.length)
      .filter((h) => (h as { results: { status: string }[] }).results[0]?.status === "approved").length;
    const brokerAccepted = (byBroker!.json as unknown as SignedSettlementStatement).statement.accepted.length;
    // Every order is settled by exactly one path as far as the broker's ledger is concerned …
    for (const o of orders)
      expect(f.broker.ledger.settlements.byCommit(o.endorsement.endorsement.commitId)).toBeDefined();
    // … and the host recorded one settlement per order, by whichever path reached it first.
    for (const o of orders) expect(await hostSettlement(o.orderDigest)).not.toBeNull();
    expect(hostApproved + brokerAccepted).toBeGreaterThanOrEqual(orders.length);
  });
});

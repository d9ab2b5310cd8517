/**
 * Lapsed holds over real HTTP against a real host: the server's sweep releases them with no read
 * asking, and a host approval that arrives after a claim lapsed is not paid — the shopper is never
 * charged for an order no vendor settled in time.
 */
import {
  type MessageType,
  newPayerSalt,
  randomBytes,
  type SignedEndorsement,
  sendMessage,
  sha256Hex,
  signEnvelope,
} from "@quickpay/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TestPlayer } from "../testing/players";
import { ALICE, addPaycard, type Fixture, postMessage, startFixture } from "./test-fixture";

/** A claim lapses a minute after Check Commit here: well inside the host's 5-minute freshness window. */
const SETTLE_WITHIN_MS = 60_000;

let f: Fixture;
let alice: { paycardId: string; credential: string };

beforeAll(async () => {
  f = await startFixture({
    holdSweepMs: 10,
    approvalPollMs: 0,
    settings: { settleWithinMs: SETTLE_WITHIN_MS },
  });
  alice = await addPaycard(f, f.wallet, ALICE);
});

afterAll(async () => {
  await f?.close();
});

afterEach(() => {
  f.clock.offsetMs = 0;
});

async function endorse(claim: boolean): Promise<SignedEndorsement> {
  const r = await postMessage(f, f.wallet, "InquiryPayment", {
    ...alice,
    orderDigest: sha256Hex(randomBytes(32)),
    vendorId: f.vendor.id,
    amount: { currency: "USD", value: "0.01" },
    kind: "micro",
    orderExpiresAt: new Date(Date.now() + 60 * 60_000).toISOString(),
    payerSalt: newPayerSalt(),
  });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  const endorsement = r.json.endorsement as SignedEndorsement;
  if (claim) {
    const { commitId, orderDigest, vendorId, amount } = endorsement.endorsement;
    const c = await postMessage(f, f.vendor, "CheckCommit", {
      commitId,
      orderDigest,
      vendorId,
      amount,
      kind: "micro",
    });
    expect(c.status).toBe(200);
  }
  return endorsement;
}

const status = (e: SignedEndorsement) => f.broker.ledger.commitments.get(e.endorsement.commitId)?.status;
const account = () => f.broker.ledger.accounts.byNumber(ALICE.accountNumber)!;
const held = () => f.broker.ledger.accounts.balance(account().account_id).heldMicros;

async function toHost<T extends MessageType>(who: TestPlayer, type: T, body: unknown) {
  return sendMessage(f.host.url, type, (await signEnvelope(who.signer, type, body)) as never);
}

describe("lapsed holds", () => {
  it("the sweep releases an unclaimed hold at the endorsement's expiry, with no read asking", async () => {
    const balance = account().balance_micros;
    const e = await endorse(false);
    expect(held()).toBe(10_000);
    f.clock.offsetMs = Date.parse(e.endorsement.expiresAt) - Date.now() + 1_000;
    // Nothing is read or sent meanwhile: only the server's own timer can release it.
    await expect.poll(() => status(e), { timeout: 10_000 }).toBe("released");
    expect(held()).toBe(0);
    expect(account().balance_micros).toBe(balance);
  });

  it("the sweep releases a claimed hold not settled within settleWithinMs, never debiting it", async () => {
    const balance = account().balance_micros;
    const e = await endorse(true);
    expect(status(e)).toBe("claimed");
    f.clock.offsetMs = 2 * SETTLE_WITHIN_MS;
    await expect.poll(() => status(e), { timeout: 10_000 }).toBe("released");
    expect(held()).toBe(0);
    expect(account().balance_micros).toBe(balance);
    const refused = await postMessage(f, f.vendor, "SettleWithBroker", {
      orders: [{ orderDigest: e.endorsement.orderDigest, endorsement: e }],
    });
    expect(refused.json).toMatchObject({
      statement: { accepted: [], rejected: [{ code: "order_expired" }] },
    });
    expect(account().balance_micros).toBe(balance);
  });

  it("a host approval that arrives after the claim lapsed is not paid and debits nothing", async () => {
    const e = await endorse(true);
    const { commitId, orderDigest, vendorId, amount } = e.endorsement;
    await f.broker.flushOutbox();
    await toHost(f.vendor, "RegisterDelivery", { orderDigest, commitId, vendorId, amount });
    const approved = (await toHost(f.vendor, "SettleWithHost", { orders: [{ orderDigest }] })) as {
      results: { status: string }[];
    };
    expect(approved.results[0]?.status).toBe("approved");
    const balance = account().balance_micros;
    const payable = f.broker.ledger.settlements.payable(f.vendor.id);
    // The broker reads its mailbox only after the claim's deadline (its clock two minutes on).
    f.clock.offsetMs = 2 * SETTLE_WITHIN_MS;
    expect(await f.broker.consumeApprovals()).toEqual({
      paid: [],
      alreadySettled: [],
      expired: [orderDigest],
      invalid: 0,
    });
    expect(status(e)).toBe("released");
    expect(account().balance_micros).toBe(balance);
    expect(f.broker.ledger.settlements.payable(f.vendor.id)).toBe(payable);
    expect(f.broker.ledger.settlements.byCommit(commitId)).toBeUndefined();
  });
});

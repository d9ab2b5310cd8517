/** Inquiry Payment and Check Commit over real HTTP: holds, the endorsement rules, claims, refusals. */
import {
  assertEndorsementSignature,
  type MoneyWire,
  newId,
  newPayerSalt,
  parseMoney,
  payerTag,
  randomBytes,
  sendMessage,
  sha256Hex,
} from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTestVendor } from "../testing/players";
import { ALICE, addPaycard, BOB, type Fixture, postMessage, startFixture } from "./test-fixture";

let f: Fixture;
let alice: { paycardId: string; credential: string };
let bob: { paycardId: string; credential: string };

beforeAll(async () => {
  f = await startFixture();
  alice = await addPaycard(f, f.wallet, ALICE);
  bob = await addPaycard(f, f.otherWallet, BOB);
});

afterAll(async () => {
  await f?.close();
});

const usd = (value: string): MoneyWire => ({ currency: "USD", value });

function inquiry(overrides: Record<string, unknown> = {}) {
  return {
    paycardId: alice.paycardId,
    credential: alice.credential,
    orderDigest: sha256Hex(randomBytes(32)),
    vendorId: f.vendor.id,
    amount: usd("0.01"),
    kind: "micro" as const,
    orderExpiresAt: new Date(Date.now() + 5 * 60_000).toISOString(),
    payerSalt: newPayerSalt(),
    ...overrides,
  };
}

async function balance() {
  const r = await postMessage(f, f.wallet, "CheckBalance", alice);
  return r.json as { balance: MoneyWire; held: MoneyWire; available: MoneyWire };
}

async function endorse(overrides: Record<string, unknown> = {}) {
  const body = inquiry(overrides);
  const r = await postMessage(f, f.wallet, "InquiryPayment", body);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return { body, endorsement: r.json.endorsement as Parameters<typeof assertEndorsementSignature>[0] };
}

function checkCommitBody(e: Awaited<ReturnType<typeof endorse>>["endorsement"]) {
  const { commitId, orderDigest, vendorId, amount } = e.endorsement;
  return { commitId, orderDigest, vendorId, amount, kind: e.endorsement.kind ?? ("micro" as const) };
}

describe("Inquiry Payment", () => {
  it("holds the amount and returns a broker-signed endorsement of exactly this order", async () => {
    const before = await balance();
    const { body, endorsement } = await endorse({ amount: usd("0.010") });
    await assertEndorsementSignature(endorsement, f.brokerKey.publicKey);
    expect(endorsement.endorsement).toMatchObject({
      orderDigest: body.orderDigest,
      vendorId: f.vendor.id,
      amount: usd("0.01"),
      brokerId: f.broker.brokerId,
    });
    expect(endorsement.endorsement.commitId).toMatch(/^c_/);
    const after = await balance();
    expect(after.held).toEqual(usd("0.01"));
    expect(after.available).not.toEqual(before.available);
  });

  it("signs the order's kind and the payer tag of the envelope's sender and the wallet's salt", async () => {
    for (const kind of ["micro", "regular"] as const) {
      const { body, endorsement } = await endorse({ kind });
      await assertEndorsementSignature(endorsement, f.brokerKey.publicKey);
      expect(endorsement.endorsement.kind).toBe(kind);
      expect(endorsement.endorsement.payerTag).toBe(payerTag(f.wallet.id, body.payerSalt));
      // The tag reveals neither the wallet nor the salt to whoever reads the endorsement.
      expect(JSON.stringify(endorsement)).not.toContain(f.wallet.id);
      expect(JSON.stringify(endorsement)).not.toContain(body.payerSalt);
    }
  });

  it("never tags for another wallet: the tag is the verified sender's, whatever the body says", async () => {
    const salt = newPayerSalt();
    // The other wallet, with a Paycard of its own on Alice's account, asks with a salt of its
    // choosing: the tag opens only with the other wallet's id, never with Alice's wallet's.
    const card = await addPaycard(f, f.otherWallet, ALICE);
    const r = await postMessage(f, f.otherWallet, "InquiryPayment", inquiry({ ...card, payerSalt: salt }));
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const tag = (r.json.endorsement as { endorsement: { payerTag?: string } }).endorsement.payerTag;
    expect(tag).toBe(payerTag(f.otherWallet.id, salt));
    expect(tag).not.toBe(payerTag(f.wallet.id, salt));
    const before = await f.snapshot();
    // Naming another wallet or a ready-made tag in the body is refused by the schema…
    for (const extra of [{ walletId: f.wallet.id }, { payerTag: payerTag(f.wallet.id, salt) }]) {
      const named = await postMessage(
        f,
        f.otherWallet,
        "InquiryPayment",
        inquiry({ ...card, ...extra }) as never,
      );
      expect(named.json.error?.code).toBe("invalid_request");
    }
    // …and an envelope claiming to come from Alice's wallet but signed by Bob's key is not Alice's.
    const forged = { playerId: f.wallet.id, privateKey: f.otherWallet.keys.privateKey };
    const posed = await postMessage(f, forged, "InquiryPayment", inquiry());
    expect(posed.status).toBe(401);
    // No salt, no endorsement: every new endorsement carries a tag.
    const { payerSalt: _none, ...untagged } = inquiry();
    const bare = await postMessage(f, f.wallet, "InquiryPayment", untagged as never);
    expect(bare.json.error?.code).toBe("invalid_request");
    expect(await f.snapshot()).toEqual(before);
  });

  it("refuses a repeat of an order under another salt: its tag could not be opened", async () => {
    const { body, endorsement } = await endorse();
    const same = await postMessage(f, f.wallet, "InquiryPayment", body);
    expect(same.json.endorsement).toEqual(endorsement);
    const resalted = await postMessage(f, f.wallet, "InquiryPayment", { ...body, payerSalt: newPayerSalt() });
    expect(resalted.json.error?.code).toBe("already_endorsed");
  });

  it("is idempotent on (from, id) and never endorses the same digest twice", async () => {
    const body = inquiry();
    const id = newId();
    const first = await postMessage(f, f.wallet, "InquiryPayment", body, { id });
    const resend = await postMessage(f, f.wallet, "InquiryPayment", body, { id });
    const fresh = await postMessage(f, f.wallet, "InquiryPayment", body);
    expect(resend.json).toEqual(first.json);
    expect(fresh.json).toEqual(first.json);
    const held = (await balance()).held;
    const sameIdOtherBody = await postMessage(
      f,
      f.wallet,
      "InquiryPayment",
      { ...body, amount: usd("0.02") },
      { id },
    );
    expect(sameIdOtherBody.json.error?.code).toBe("conflict");
    const otherAmount = await postMessage(f, f.wallet, "InquiryPayment", { ...body, amount: usd("0.02") });
    expect(otherAmount.status).toBe(409);
    expect(otherAmount.json.error?.code).toBe("already_endorsed");
    const otherPaycard = await postMessage(f, f.otherWallet, "InquiryPayment", { ...body, ...bob });
    expect(otherPaycard.json.error?.code).toBe("already_endorsed");
    expect((await balance()).held).toEqual(held);
  });

  it("refuses more than the available balance with insufficient_funds and the amount available", async () => {
    const before = await f.snapshot();
    const r = await postMessage(
      f,
      f.otherWallet,
      "InquiryPayment",
      inquiry({ ...bob, amount: usd("0.021") }),
    );
    expect(r.status).toBe(402);
    expect(r.json.error).toMatchObject({ code: "insufficient_funds", details: { available: usd("0.02") } });
    expect(await f.snapshot()).toEqual(before);
  });

  it("never commits more than the balance, even under concurrent inquiries", async () => {
    // Bob holds $0.02: of ten concurrent one-cent orders exactly two are endorsed.
    const results = await Promise.all(
      Array.from({ length: 10 }, () => postMessage(f, f.otherWallet, "InquiryPayment", inquiry({ ...bob }))),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    expect(results.filter((r) => r.json.error?.code === "insufficient_funds")).toHaveLength(8);
    const b = await postMessage(f, f.otherWallet, "CheckBalance", bob);
    expect(b.json).toMatchObject({ held: usd("0.02"), available: usd("0.00") });
  });

  it("refuses bad input with a stable code and changes nothing", async () => {
    const unregisteredVendor = `v_${"0".repeat(32)}`;
    const suspended = await registerTestVendor(f.host.url);
    await sendMessage(
      f.host.url,
      "SetPlayerStatus",
      { playerId: suspended.id, status: "suspended" },
      { headers: { authorization: `Bearer ${f.host.operatorToken}` } },
    );
    const cases: [string, Record<string, unknown>, string][] = [
      ["zero amount", { amount: usd("0") }, "invalid_request"],
      ["malformed amount", { amount: { currency: "USD", value: "0.1234567" } }, "invalid_request"],
      ["absurd amount", { amount: { currency: "USD", value: "9999999999999.999999" } }, "invalid_request"],
      ["another currency", { amount: { currency: "EUR", value: "0.01" } }, "mismatch"],
      ["expired order", { orderExpiresAt: new Date(Date.now() - 1000).toISOString() }, "order_expired"],
      ["unknown vendor", { vendorId: unregisteredVendor }, "unknown_player"],
      ["suspended vendor", { vendorId: suspended.id }, "suspended"],
      ["a wallet as vendor", { vendorId: f.wallet.id }, "invalid_request"],
      ["wrong credential", { credential: bob.credential }, "unauthorized"],
      ["another wallet's Paycard", { paycardId: bob.paycardId }, "unauthorized"],
      ["unknown Paycard", { paycardId: newId("p_") }, "unauthorized"],
      ["bad digest", { orderDigest: "ABC" }, "invalid_request"],
      ["unknown field", { tip: "1" }, "invalid_request"],
    ];
    const before = await f.snapshot();
    for (const [what, overrides, code] of cases) {
      const r = await postMessage(f, f.wallet, "InquiryPayment", inquiry(overrides) as never);
      expect({ what, code: r.json.error?.code }).toEqual({ what, code });
      expect(r.status, what).toBeGreaterThanOrEqual(400);
      expect(r.status, what).toBeLessThan(500);
    }
    const fromVendor = await postMessage(f, f.vendor, "InquiryPayment", inquiry());
    expect(fromVendor.json.error?.code).toBe("forbidden");
    expect(await f.snapshot()).toEqual(before);
  });
});

describe("Check Commit", () => {
  it("confirms a live endorsement and claims it for the vendor: still held, not debited", async () => {
    const before = await balance();
    const { endorsement } = await endorse({ amount: usd("0.01") });
    const r = await postMessage(f, f.vendor, "CheckCommit", checkCommitBody(endorsement));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ commitId: endorsement.endorsement.commitId, status: "live" });
    const after = await balance();
    // Claimed, not captured: the balance is untouched until settlement; the cent stays held, so
    // available is a cent lower.
    const cents = (m: MoneyWire) => parseMoney(m).micros / 10_000;
    expect(after.balance).toEqual(before.balance);
    expect(cents(after.held)).toBe(cents(before.held) + 1);
    expect(cents(after.available)).toBe(cents(before.available) - 1);
    expect(f.broker.ledger.commitments.get(endorsement.endorsement.commitId)).toMatchObject({
      status: "claimed",
      claimed_by: f.vendor.id,
    });
    const again = await postMessage(f, f.vendor, "CheckCommit", checkCommitBody(endorsement));
    expect(again.json).toEqual(r.json);
    expect(await balance()).toEqual({ ...after, asOf: expect.any(String) });
  });

  it("a claim never settled is released after settleWithinMs, never debited, and then refused", async () => {
    const before = await balance();
    const { endorsement } = await endorse({ amount: usd("0.01") });
    expect((await postMessage(f, f.vendor, "CheckCommit", checkCommitBody(endorsement))).status).toBe(200);
    const deadline = f.broker.ledger.commitments.holdExpiry(endorsement.endorsement.commitId)!;
    f.clock.offsetMs = deadline - Date.now() + 1_000;
    const { commitId } = endorsement.endorsement;
    try {
      // (Every other hold of this file lapses too; this one is what the test follows.)
      expect((await balance()).balance).toEqual(before.balance);
      expect(f.broker.ledger.commitments.get(commitId)?.status).toBe("released");
      const r = await postMessage(f, f.vendor, "CheckCommit", checkCommitBody(endorsement));
      expect(r.status).toBe(410);
      expect(r.json.error?.code).toBe("order_expired");
      const settled = await postMessage(f, f.vendor, "SettleWithBroker", {
        orders: [{ orderDigest: endorsement.endorsement.orderDigest, endorsement }],
      });
      expect(settled.json).toMatchObject({
        statement: { accepted: [], rejected: [{ code: "order_expired" }] },
      });
      expect((await balance()).balance).toEqual(before.balance);
      const account = f.broker.ledger.commitments.get(commitId)!.account_id;
      expect(f.broker.ledger.accounts.entries(account).filter((e) => e.ref === commitId)).toEqual([]);
    } finally {
      f.clock.offsetMs = 0;
    }
  });

  it("refuses another vendor, a mismatch, an unknown commitment and a wallet, changing nothing", async () => {
    const { endorsement } = await endorse();
    const body = checkCommitBody(endorsement);
    const other = await registerTestVendor(f.host.url);
    const before = await f.snapshot();
    const cases: [string, () => ReturnType<typeof postMessage>, number, string][] = [
      ["another vendor", () => postMessage(f, other, "CheckCommit", body), 403, "forbidden"],
      [
        "another vendor naming itself",
        () => postMessage(f, other, "CheckCommit", { ...body, vendorId: other.id }),
        422,
        "mismatch",
      ],
      [
        "another amount",
        () => postMessage(f, f.vendor, "CheckCommit", { ...body, amount: usd("0.02") }),
        422,
        "mismatch",
      ],
      [
        "another digest",
        () => postMessage(f, f.vendor, "CheckCommit", { ...body, orderDigest: sha256Hex("x") }),
        422,
        "mismatch",
      ],
      [
        "another kind than the one endorsed",
        () => postMessage(f, f.vendor, "CheckCommit", { ...body, kind: "regular" }),
        422,
        "mismatch",
      ],
      [
        "no kind",
        () => postMessage(f, f.vendor, "CheckCommit", { ...body, kind: undefined } as never),
        400,
        "invalid_request",
      ],
      [
        "an unknown commitment",
        () => postMessage(f, f.vendor, "CheckCommit", { ...body, commitId: newId("c_") }),
        404,
        "unknown_commit",
      ],
      ["a wallet", () => postMessage(f, f.wallet, "CheckCommit", body), 403, "forbidden"],
    ];
    for (const [what, send, status, code] of cases) {
      const r = await send();
      expect({ what, status: r.status, code: r.json.error?.code }).toEqual({ what, status, code });
    }
    expect(await f.snapshot()).toEqual(before);
  });

  it("refuses an expired endorsement and releases its hold", async () => {
    const { endorsement } = await endorse({ amount: usd("0.03") });
    const heldBefore = (await balance()).held;
    f.clock.offsetMs = 16 * 60_000;
    try {
      const r = await postMessage(f, f.vendor, "CheckCommit", checkCommitBody(endorsement));
      expect(r.status).toBe(410);
      expect(r.json.error?.code).toBe("order_expired");
      const after = await balance();
      expect(parseMoney(after.held).micros).toBeLessThan(parseMoney(heldBefore).micros);
      expect(f.broker.ledger.commitments.get(endorsement.endorsement.commitId)?.status).toBe("released");
    } finally {
      f.clock.offsetMs = 0;
    }
  });
});

import {
  generateKeyPair,
  type Order,
  orderDigest,
  playerIdFor,
  QuickPayError,
  SignedOrder,
  signEndorsement,
  signOrder,
} from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import {
  assertLive,
  buildOrder,
  buildSignedOrder,
  itemIdOf,
  MAX_ITEM_ID_LENGTH,
  orderIdFor,
  receiptUntilFor,
  verifyEndorsement,
  verifyOwnOrder,
} from "./orders";

const vendor = generateKeyPair();
const vendorId = playerIdFor("vendor", vendor.publicKey);
const broker = generateKeyPair();
const brokerId = playerIdFor("broker", broker.publicKey);
const now = new Date("2026-11-21T05:00:00.000Z");
const item = { id: "article-1", description: "One article", amount: { currency: "USD", value: "0.010" } };
const deliveryUrl = "http://127.0.0.1:9/quickpay/v1/request-order-delivery";

const rejects = async (p: Promise<unknown>, code: string) => {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(QuickPayError);
  expect((error as QuickPayError).code).toBe(code);
};

async function endorse(order: Order, overrides: Record<string, unknown> = {}, key = broker.privateKey) {
  return signEndorsement(key, {
    commitId: "c_abcdefghijklmnopqrstuv",
    orderDigest: orderDigest(order),
    vendorId: order.vendorId,
    amount: order.amount,
    kind: order.kind,
    brokerId,
    expiresAt: new Date(now.getTime() + 60_000).toISOString(),
    ...overrides,
  });
}

describe("building orders", () => {
  it("makes a micro order with normalised money, the delivery URL and the TTL", () => {
    const order = buildOrder({ vendorId, item, deliveryUrl, now, ttlMs: 120_000 });
    expect(order).toMatchObject({
      vendorId,
      kind: "micro",
      amount: { currency: "USD", value: "0.01" },
      description: "One article",
      deliveryUrl,
      createdAt: "2026-11-21T05:00:00.000Z",
      expiresAt: "2026-11-21T05:02:00.000Z",
    });
    expect(itemIdOf(order.orderId)).toBe("article-1");
  });

  it("gives every order a fresh id that still names its item", () => {
    const ids = new Set(Array.from({ length: 50 }, () => orderIdFor("a:b.c")));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(itemIdOf(id)).toBe("a:b.c");
    expect(itemIdOf("hand-made-order")).toBeUndefined();
    expect(() => orderIdFor("x".repeat(MAX_ITEM_ID_LENGTH + 1))).toThrow(QuickPayError);
    expect(orderIdFor("x".repeat(MAX_ITEM_ID_LENGTH)).length).toBe(100);
  });

  it("signs the item's receipt policy as receiptUntil: forever by default, a time, or none for once", () => {
    expect(buildOrder({ vendorId, item, deliveryUrl, now }).receiptUntil).toBe("forever");
    expect(
      buildOrder({ vendorId, item: { ...item, receipt: "forever" }, deliveryUrl, now }).receiptUntil,
    ).toBe("forever");
    expect(buildOrder({ vendorId, item: { ...item, receipt: "once" }, deliveryUrl, now })).not.toHaveProperty(
      "receiptUntil",
    );
    const timed = buildOrder({
      vendorId,
      item: { ...item, receipt: { validForMs: 86_400_000 } },
      deliveryUrl,
      now,
    });
    expect(timed.receiptUntil).toBe("2026-11-22T05:00:00.000Z");
  });

  it("refuses a receipt policy that is none of those, as the catalogue's fault (internal)", () => {
    for (const bad of [
      { validForMs: 0 },
      { validForMs: -5 },
      { validForMs: 1.5 },
      { validForMs: 1e300 },
      "always",
    ]) {
      expect(() => receiptUntilFor("article-1", bad as never, now)).toThrow(
        expect.objectContaining({ code: "internal", message: expect.stringContaining("article-1") }),
      );
    }
  });

  it("refuses an item whose price is not money, as the catalogue's fault (internal)", () => {
    const bad = { ...item, amount: { currency: "USD", value: "0.0000001" } };
    expect(() => buildOrder({ vendorId, item: bad, deliveryUrl, now })).toThrow(/article-1/);
  });

  it("signs an order that passes the protocol's own schema", async () => {
    const signed = await buildSignedOrder(vendor.privateKey, { vendorId, item, deliveryUrl, now });
    expect(SignedOrder.safeParse(JSON.parse(JSON.stringify(signed))).success).toBe(true);
    await expect(verifyOwnOrder(signed, vendorId, vendor.publicKey)).resolves.toBeUndefined();
  });
});

describe("verifying what the Wallet presents", () => {
  const order = buildOrder({ vendorId, item, deliveryUrl, now });

  it("refuses an order with a changed amount (bad_signature)", async () => {
    const signed = await signOrder(vendor.privateKey, order);
    const tampered = { ...signed, order: { ...signed.order, amount: { currency: "USD", value: "0.00" } } };
    await rejects(verifyOwnOrder(tampered, vendorId, vendor.publicKey), "bad_signature");
  });

  it("refuses another vendor's order (mismatch) and one signed by another key (bad_signature)", async () => {
    const other = generateKeyPair();
    const otherId = playerIdFor("vendor", other.publicKey);
    const theirs = await signOrder(other.privateKey, { ...order, vendorId: otherId });
    await rejects(verifyOwnOrder(theirs, vendorId, vendor.publicKey), "mismatch");
    const forged = await signOrder(other.privateKey, order);
    await rejects(verifyOwnOrder(forged, vendorId, vendor.publicKey), "bad_signature");
  });

  it("accepts the broker's endorsement of exactly this order", async () => {
    await expect(
      verifyEndorsement(await endorse(order), order, orderDigest(order), broker.publicKey),
    ).resolves.toBeUndefined();
  });

  it("refuses an endorsement of another digest, vendor or amount (mismatch)", async () => {
    const digest = orderDigest(order);
    const otherVendor = playerIdFor("vendor", generateKeyPair().publicKey);
    await rejects(
      verifyEndorsement(
        await endorse(order, { orderDigest: "0".repeat(64) }),
        order,
        digest,
        broker.publicKey,
      ),
      "mismatch",
    );
    await rejects(
      verifyEndorsement(await endorse(order, { vendorId: otherVendor }), order, digest, broker.publicKey),
      "mismatch",
    );
    await rejects(
      verifyEndorsement(
        await endorse(order, { amount: { currency: "USD", value: "0.001" } }),
        order,
        digest,
        broker.publicKey,
      ),
      "mismatch",
    );
  });

  it("refuses an endorsement of another kind, or stating none (mismatch on kind)", async () => {
    const digest = orderDigest(order);
    for (const overrides of [{ kind: "regular" }, { kind: undefined }]) {
      const signed = await endorse(order, overrides);
      const error = await verifyEndorsement(signed, order, digest, broker.publicKey).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(QuickPayError);
      expect(error).toMatchObject({ code: "mismatch", details: { fields: ["kind"] } });
      expect((error as QuickPayError).message).toMatch(/kind|micro/);
    }
  });

  it("refuses an endorsement not signed by the named broker (bad_signature)", async () => {
    const forged = await endorse(order, {}, generateKeyPair().privateKey);
    await rejects(verifyEndorsement(forged, order, orderDigest(order), broker.publicKey), "bad_signature");
  });

  it("refuses an expired order or endorsement (order_expired), and accepts both while live", async () => {
    const signed = await signOrder(vendor.privateKey, order);
    const endorsement = await endorse(order);
    expect(() => assertLive(signed, endorsement, now)).not.toThrow();
    const afterOrder = new Date(Date.parse(order.expiresAt));
    expect(() => assertLive(signed, endorsement, afterOrder)).toThrow(
      expect.objectContaining({ code: "order_expired" }),
    );
    const shortLived = await endorse(order, { expiresAt: new Date(now.getTime() + 1_000).toISOString() });
    expect(() => assertLive(signed, shortLived, new Date(now.getTime() + 1_000))).toThrow(
      expect.objectContaining({ code: "order_expired" }),
    );
  });
});

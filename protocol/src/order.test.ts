import { describe, expect, it } from "vitest";
import { generateKeyPair } from "./crypto";
import { playerIdFor } from "./ids";
import { messages } from "./messages";
import { assertOrderSignature, Order, orderDigest, signOrder } from "./order";

const vendor = generateKeyPair();
const vendorId = playerIdFor("vendor", vendor.publicKey);
const now = Date.now();

const raw = {
  orderId: "article-1",
  vendorId,
  kind: "micro" as const,
  amount: { currency: "USD", value: "0.010" },
  description: "One article",
  deliveryUrl: "https://shop.example/quickpay/v1/request-order-delivery",
  createdAt: new Date(now).toISOString(),
  expiresAt: new Date(now + 60_000).toISOString(),
};

describe("orders", () => {
  it("normalise money on parse, so equal orders have one digest", () => {
    const a = Order.parse(raw);
    const b = Order.parse({ ...raw, amount: { currency: "USD", value: "0.01" } });
    expect(a.amount.value).toBe("0.01");
    expect(orderDigest(a)).toBe(orderDigest(b));
    expect(orderDigest(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuse a micro order without a delivery URL and one that expires before it is made", () => {
    const { deliveryUrl: _d, ...noUrl } = raw;
    expect(Order.safeParse(noUrl).success).toBe(false);
    expect(Order.safeParse({ ...raw, expiresAt: raw.createdAt }).success).toBe(false);
    expect(Order.safeParse({ ...raw, extra: 1 }).success).toBe(false);
  });

  it("carry the vendor's signature, and a changed amount breaks it", async () => {
    const signed = await signOrder(vendor.privateKey, Order.parse(raw));
    await expect(assertOrderSignature(signed, vendor.publicKey)).resolves.toBeUndefined();
    const cheaper = { ...signed, order: { ...signed.order, amount: { currency: "USD", value: "0.001" } } };
    await expect(assertOrderSignature(cheaper, vendor.publicKey)).rejects.toMatchObject({
      code: "bad_signature",
    });
  });
});

describe("message catalogue", () => {
  it("declares every message once with a unique versioned path", () => {
    const paths = Object.values(messages).map((m) => m.path);
    expect(new Set(paths).size).toBe(paths.length);
    for (const [name, spec] of Object.entries(messages)) {
      expect(spec.type).toBe(name);
      expect(spec.path).toMatch(/^\/v1\//);
    }
  });
});

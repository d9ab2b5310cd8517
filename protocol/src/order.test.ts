import { describe, expect, it } from "vitest";
import { generateKeyPair } from "./crypto";
import { playerIdFor } from "./ids";
import { messages } from "./messages";
import {
  assertOrderSignature,
  Endorsement,
  newPayerSalt,
  Order,
  orderDigest,
  PayerSalt,
  payerTag,
  signOrder,
} from "./order";

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

describe("payer tags", () => {
  it("are SHA-256 over the canonical JSON of { salt, walletId } (fixed vector)", () => {
    // sha256('{"salt":"AAAAAAAAAAAAAAAAAAAAAA","walletId":"w_00112233445566778899aabbccddeeff"}')
    expect(payerTag("w_00112233445566778899aabbccddeeff", "AAAAAAAAAAAAAAAAAAAAAA")).toBe(
      "4b833dc6b7ee3b4d85e710dec76d7a3fbe3b1796c4e309aa5dc10e570a41ffcc",
    );
  });

  it("differ for every fresh salt of one wallet, and bind the wallet id", () => {
    const wallet = "w_00112233445566778899aabbccddeeff";
    const salts = Array.from({ length: 100 }, newPayerSalt);
    expect(new Set(salts.map((s) => payerTag(wallet, s))).size).toBe(100);
    for (const s of salts.slice(0, 3)) expect(PayerSalt.parse(s)).toBe(s);
    expect(payerTag("w_ffeeddccbbaa99887766554433221100", salts[0]!)).not.toBe(payerTag(wallet, salts[0]!));
  });

  it("salts carry at least 128 bits", () => {
    expect(PayerSalt.safeParse("A".repeat(21)).success).toBe(false);
    expect(PayerSalt.safeParse("A".repeat(22)).success).toBe(true);
    expect(PayerSalt.safeParse(`${"A".repeat(21)}=`).success).toBe(false);
    expect(PayerSalt.safeParse("A".repeat(87)).success).toBe(false);
  });

  it("endorsements signed before tags and kinds still parse", () => {
    const old = {
      commitId: "c_AAAAAAAAAAAAAAAAAAAAAA",
      orderDigest: "0".repeat(64),
      vendorId,
      amount: { currency: "USD", value: "0.01" },
      brokerId: `b_${"0".repeat(32)}`,
      expiresAt: new Date(now).toISOString(),
    };
    expect(Endorsement.safeParse(old).success).toBe(true);
    expect(Endorsement.safeParse({ ...old, kind: "micro", payerTag: "a".repeat(64) }).success).toBe(true);
    expect(Endorsement.safeParse({ ...old, kind: "other" }).success).toBe(false);
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

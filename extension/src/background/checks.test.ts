import {
  type DirectoryEntry,
  type Endorsement,
  generateKeyPair,
  newPayerSalt,
  type Order,
  orderDigest,
  payerTag,
  playerIdFor,
  QuickPayError,
  signEndorsement,
  signOrder,
  signPaycardCertificate,
} from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { verifyEndorsement, verifyModuleCertificate, verifyOrder } from "./checks";

const now = new Date("2026-11-21T05:00:00.000Z");
const vendorKeys = generateKeyPair();
const brokerKeys = generateKeyPair();
const vendorId = playerIdFor("vendor", vendorKeys.publicKey);
const brokerId = playerIdFor("broker", brokerKeys.publicKey);

const vendor: DirectoryEntry = {
  id: vendorId,
  kind: "vendor",
  publicKey: vendorKeys.publicKey,
  status: "active",
  registeredAt: now.toISOString(),
  name: "Demo Shop",
  endpoint: "http://127.0.0.1:1/qp",
  origins: ["http://127.0.0.1:1"],
};
const broker: DirectoryEntry = {
  id: brokerId,
  kind: "broker",
  publicKey: brokerKeys.publicKey,
  status: "active",
  registeredAt: now.toISOString(),
  name: "Demo Bank",
  endpoint: "http://127.0.0.1:2",
};

function order(overrides: Partial<Order> = {}): Order {
  return {
    orderId: "o-1",
    vendorId,
    kind: "micro",
    amount: { currency: "USD", value: "0.01" },
    description: "Article 1",
    deliveryUrl: "http://127.0.0.1:1/deliver",
    createdAt: "2026-11-21T04:59:00.000Z",
    expiresAt: "2026-11-21T05:10:00.000Z",
    ...overrides,
  };
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return error instanceof QuickPayError ? error.code : `non-QuickPayError: ${error}`;
  }
}

describe("verifyOrder", () => {
  it("accepts a live micro order signed by the page's vendor", async () => {
    await expect(
      verifyOrder(await signOrder(vendorKeys.privateKey, order()), vendor, now),
    ).resolves.toBeUndefined();
  });

  it("refuses an order signed by another key", async () => {
    const signed = await signOrder(generateKeyPair().privateKey, order());
    expect(await code(verifyOrder(signed, vendor, now))).toBe("bad_signature");
  });

  it("refuses an order whose signature no longer matches its content", async () => {
    const signed = await signOrder(vendorKeys.privateKey, order());
    signed.order = { ...signed.order, amount: { currency: "USD", value: "0.001" } };
    expect(await code(verifyOrder(signed, vendor, now))).toBe("bad_signature");
  });

  it("refuses an order naming another vendor than the page's", async () => {
    const other = playerIdFor("vendor", generateKeyPair().publicKey);
    const signed = await signOrder(vendorKeys.privateKey, order({ vendorId: other }));
    expect(await code(verifyOrder(signed, vendor, now))).toBe("mismatch");
  });

  it("refuses an expired order", async () => {
    const signed = await signOrder(vendorKeys.privateKey, order({ expiresAt: "2026-11-21T05:00:00.000Z" }));
    expect(await code(verifyOrder(signed, vendor, now))).toBe("order_expired");
  });

  it("refuses a regular order (micro only for now)", async () => {
    const signed = await signOrder(vendorKeys.privateKey, order({ kind: "regular" }));
    expect(await code(verifyOrder(signed, vendor, now))).toBe("invalid_request");
  });
});

describe("verifyEndorsement", () => {
  const o = order();
  const digest = orderDigest(o);
  const expected = { orderDigest: digest, vendorId, amount: o.amount, brokerId };
  const endorsement = (overrides: Partial<Endorsement> = {}): Endorsement => ({
    commitId: "c_0123456789abcdefghij",
    orderDigest: digest,
    vendorId,
    amount: { currency: "USD", value: "0.01" },
    brokerId,
    expiresAt: "2026-11-21T06:00:00.000Z",
    ...overrides,
  });

  it("accepts the broker's endorsement of exactly this order", async () => {
    const signed = await signEndorsement(brokerKeys.privateKey, endorsement());
    await expect(verifyEndorsement(signed, expected, broker, now)).resolves.toBeUndefined();
  });

  it("treats equal amounts written differently as equal", async () => {
    const signed = await signEndorsement(brokerKeys.privateKey, endorsement());
    const loose = { ...expected, amount: { currency: "USD", value: "0.010" } };
    await expect(verifyEndorsement(signed, loose, broker, now)).resolves.toBeUndefined();
  });

  it.each([
    ["order digest", { orderDigest: "0".repeat(64) }],
    ["vendor", { vendorId: playerIdFor("vendor", generateKeyPair().publicKey) }],
    ["amount", { amount: { currency: "USD", value: "0.02" } }],
    ["broker", { brokerId: playerIdFor("broker", generateKeyPair().publicKey) }],
  ] as const)("refuses an endorsement with a different %s", async (_what, change) => {
    const signed = await signEndorsement(brokerKeys.privateKey, endorsement(change));
    expect(await code(verifyEndorsement(signed, expected, broker, now))).toBe("mismatch");
  });

  it("refuses another kind, or none, and another wallet's or purchase's payer tag; accepts no tag", async () => {
    const walletId = playerIdFor("wallet", generateKeyPair().publicKey);
    const salt = newPayerSalt();
    const tagged = { ...expected, kind: "micro" as const, payerTag: payerTag(walletId, salt) };
    const ok = await signEndorsement(
      brokerKeys.privateKey,
      endorsement({ kind: "micro", payerTag: tagged.payerTag }),
    );
    await expect(verifyEndorsement(ok, tagged, broker, now)).resolves.toBeUndefined();
    const untagged = await signEndorsement(brokerKeys.privateKey, endorsement({ kind: "micro" }));
    await expect(verifyEndorsement(untagged, tagged, broker, now)).resolves.toBeUndefined();
    const wrong: Partial<Endorsement>[] = [
      { kind: "regular", payerTag: tagged.payerTag },
      { payerTag: tagged.payerTag },
      { kind: "micro", payerTag: payerTag(playerIdFor("wallet", generateKeyPair().publicKey), salt) },
      { kind: "micro", payerTag: payerTag(walletId, newPayerSalt()) },
    ];
    for (const change of wrong) {
      const signed = await signEndorsement(brokerKeys.privateKey, endorsement(change));
      expect(await code(verifyEndorsement(signed, tagged, broker, now))).toBe("mismatch");
    }
  });

  it("refuses an endorsement not signed by the broker", async () => {
    const signed = await signEndorsement(generateKeyPair().privateKey, endorsement());
    expect(await code(verifyEndorsement(signed, expected, broker, now))).toBe("bad_signature");
  });

  it("refuses an expired endorsement", async () => {
    const signed = await signEndorsement(
      brokerKeys.privateKey,
      endorsement({ expiresAt: now.toISOString() }),
    );
    expect(await code(verifyEndorsement(signed, expected, broker, now))).toBe("order_expired");
  });
});

describe("verifyModuleCertificate", () => {
  const codeHash = "ab".repeat(32);
  const description = {
    moduleId: "test-card",
    version: "1.0.0",
    brokerId,
    name: "Test",
    kind: "account" as const,
    currency: "USD",
    color: "#000",
  };
  const module = async (overrides: { codeHash?: string; key?: string; version?: string } = {}) => ({
    description,
    certificate: await signPaycardCertificate(overrides.key ?? brokerKeys.privateKey, {
      moduleId: "test-card",
      version: overrides.version ?? "1.0.0",
      codeHash: overrides.codeHash ?? codeHash,
      brokerId,
    }),
  });

  it("accepts a certificate the directory's broker key signed over the built code hash", async () => {
    await expect(verifyModuleCertificate(await module(), codeHash, broker)).resolves.toBeUndefined();
  });

  it("refuses when the built code differs from the certified code", async () => {
    expect(await code(verifyModuleCertificate(await module(), "cd".repeat(32), broker))).toBe("mismatch");
  });

  it("refuses when the build computed no hash for the module", async () => {
    expect(await code(verifyModuleCertificate(await module(), undefined, broker))).toBe("mismatch");
  });

  it("refuses a certificate for another version", async () => {
    expect(await code(verifyModuleCertificate(await module({ version: "1.0.1" }), codeHash, broker))).toBe(
      "mismatch",
    );
  });

  it("refuses a certificate signed by a key other than the directory's", async () => {
    const m = await module({ key: generateKeyPair().privateKey });
    expect(await code(verifyModuleCertificate(m, codeHash, broker))).toBe("bad_signature");
  });
});

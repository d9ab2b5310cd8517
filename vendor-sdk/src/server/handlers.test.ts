/**
 * The vendor handlers over real HTTP, for every path decided before the broker is asked. The paths
 * through a real host and the demo bank are in handlers.network.test.ts.
 */
import {
  generateKeyPair,
  orderDigest,
  playerIdFor,
  SignedOrder,
  signEndorsement,
  signOrder,
} from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deadUrl, postJson, type Served, serveFetch } from "../test-support/serve";
import { createVendorHandlers, type VendorHandlers } from "./handlers";

const vendor = generateKeyPair();
const vendorId = playerIdFor("vendor", vendor.publicKey);
const broker = generateKeyPair();
const brokerId = playerIdFor("broker", broker.publicKey);
const catalog = {
  async get(id: string) {
    return id === "article-1"
      ? { id, description: "Article one", amount: { currency: "USD", value: "0.01" } }
      : undefined;
  },
};

let handlers: VendorHandlers;
let served: Served;
let endpoint: string;
const delivered: string[] = [];

beforeAll(async () => {
  handlers = createVendorHandlers({
    vendorId,
    privateKey: vendor.privateKey,
    hostUrl: await deadUrl(),
    catalog,
    deliver: async (item) => {
      delivered.push(item.id);
      return { mediaType: "text/plain", body: "never" };
    },
    outboxTimer: false,
  });
  served = await serveFetch(
    async (req) => (await handlers.handle(req)) ?? new Response("nope", { status: 404 }),
  );
  endpoint = `${served.url}/shop/quickpay`;
});
afterAll(async () => {
  await handlers.close();
  await served.close();
});

async function freshOrder() {
  const r = await postJson(`${endpoint}/v1/get-order`, { itemId: "article-1" });
  expect(r.status).toBe(200);
  return SignedOrder.parse(r.json);
}

async function endorsementFor(order: SignedOrder["order"]) {
  return signEndorsement(broker.privateKey, {
    commitId: "c_0123456789abcdefghij",
    orderDigest: orderDigest(order),
    vendorId: order.vendorId,
    amount: order.amount,
    kind: order.kind,
    brokerId,
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
  });
}

describe("Get Order", () => {
  it("signs a one-cent micro order whose delivery URL is this endpoint's Request Order Delivery", async () => {
    const signed = await freshOrder();
    expect(signed.order).toMatchObject({
      vendorId,
      kind: "micro",
      amount: { currency: "USD", value: "0.01" },
      description: "Article one",
      deliveryUrl: `${endpoint}/v1/request-order-delivery`,
    });
    expect(Date.parse(signed.order.expiresAt) - Date.parse(signed.order.createdAt)).toBe(10 * 60_000);
    expect((await freshOrder()).order.orderId).not.toBe(signed.order.orderId);
  });

  it("answers an unknown item with not_found and a bad body with invalid_request", async () => {
    expect(await postJson(`${endpoint}/v1/get-order`, { itemId: "article-9" })).toMatchObject({
      status: 404,
      json: { error: { code: "not_found" } },
    });
    for (const body of ["{", { itemId: "no spaces allowed" }, { itemId: "a", extra: 1 }, []]) {
      const r = await postJson(`${endpoint}/v1/get-order`, body);
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe("invalid_request");
      expect(typeof r.json.error.message).toBe("string");
    }
  });

  it("refuses a body over 64 KB with payload_too_large", async () => {
    const r = await postJson(`${endpoint}/v1/get-order`, { itemId: "a".repeat(70_000) });
    expect(r).toMatchObject({ status: 413, json: { error: { code: "payload_too_large" } } });
  });

  it("allows any origin (the Wallet's service worker) and answers preflights", async () => {
    const pre = await fetch(`${endpoint}/v1/get-order`, {
      method: "OPTIONS",
      headers: { origin: "chrome-extension://abcdefghijklmnop", "access-control-request-method": "POST" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    expect(pre.headers.get("access-control-allow-headers")).toContain("content-type");
    const r = await postJson(`${endpoint}/v1/get-order`, { itemId: "article-1" });
    expect(r.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("answers GET with 405 invalid_request", async () => {
    const r = await fetch(`${endpoint}/v1/get-order`);
    expect(r.status).toBe(405);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
  });
});

describe("routing", () => {
  it("handle() returns null for paths that are not the vendor's", async () => {
    expect(
      await handlers.handle(new Request(`${served.url}/v1/check-commit`, { method: "POST" })),
    ).toBeNull();
    expect(await handlers.handle(new Request(`${served.url}/`))).toBeNull();
  });

  it("refuses a private key that does not match the vendor id", () => {
    expect(() =>
      createVendorHandlers({
        vendorId: playerIdFor("vendor", generateKeyPair().publicKey),
        privateKey: vendor.privateKey,
        hostUrl: "http://127.0.0.1:9",
        catalog,
        deliver: async () => ({ mediaType: "text/plain", body: "" }),
      }),
    ).toThrow(/does not belong/);
  });
});

describe("Request Order Delivery, before the broker is asked", () => {
  const deliver = (body: unknown) => postJson(`${endpoint}/v1/request-order-delivery`, body);

  it("refuses a malformed body with invalid_request", async () => {
    const signed = await freshOrder();
    expect(await deliver({ order: signed })).toMatchObject({
      status: 400,
      json: { error: { code: "invalid_request" } },
    });
  });

  it("refuses an order whose amount was changed (bad_signature)", async () => {
    const signed = await freshOrder();
    const tampered = { ...signed, order: { ...signed.order, amount: { currency: "USD", value: "0.001" } } };
    const r = await deliver({ order: tampered, endorsement: await endorsementFor(tampered.order) });
    expect(r).toMatchObject({ status: 401, json: { error: { code: "bad_signature" } } });
  });

  it("refuses another vendor's order (mismatch)", async () => {
    const other = generateKeyPair();
    const signed = await freshOrder();
    const theirs = await signOrder(other.privateKey, {
      ...signed.order,
      vendorId: playerIdFor("vendor", other.publicKey),
    });
    const r = await deliver({ order: theirs, endorsement: await endorsementFor(theirs.order) });
    expect(r).toMatchObject({ status: 422, json: { error: { code: "mismatch" } } });
  });

  it("cannot check the broker's key while the host is unreachable (host_unreachable) and delivers nothing", async () => {
    const signed = await freshOrder();
    const r = await deliver({ order: signed, endorsement: await endorsementFor(signed.order) });
    expect(r).toMatchObject({ status: 502, json: { error: { code: "host_unreachable" } } });
    expect(delivered).toEqual([]);
  });
});

/**
 * Request Order Delivery end to end over real HTTP: a real System Host, the real demo bank broker,
 * a wallet made of protocol messages, and the vendor handlers served on loopback.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type RunningHost, startHost } from "@quickpay/host-server";
import { demoBrokerKey, type RunningBroker, startDemoBank } from "@quickpay/paycards/demo-bank/server";
import {
  DirectoryEntry,
  directoryPaths,
  type FetchLike,
  generateKeyPair,
  getJson,
  OrderStatus,
  orderDigest,
  orderStatusPath,
  playerIdFor,
  QuickPayError,
  RequestOrderDelivery,
  SignedOrder,
  sendMessage,
  signEndorsement,
} from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, type Served, serveFetch } from "../test-support/serve";
import { createTestWallet, type TestWallet } from "../test-support/wallet";
import { createVendorHandlers, type VendorHandlers } from "./handlers";
import { originProofResponse, registerVendor } from "./register";

/** The demo bank's committed DEMO key (public by design, see contracts.md). */
const demoBrokerPrivateKey = demoBrokerKey.privateKey;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vendor-delivery-"));
const hostDb = path.join(dir, "host.db");
let host: RunningHost;
let bank: RunningBroker;
let wallet: TestWallet;
let handlers: VendorHandlers;
let served: Served;
let endpoint: string;
let vendorId: string;
/** Every Check Commit the vendor sends, counted at its transport. */
let checkCommits = 0;
/** Moves the vendor's clock (order expiry) without touching anyone else's. */
let skewMs = 0;
const deliveredItems: string[] = [];

const articles: Record<
  string,
  { id: string; description: string; amount: { currency: string; value: string } }
> = {
  "article-1": { id: "article-1", description: "Article one", amount: { currency: "USD", value: "0.01" } },
  "article-2": { id: "article-2", description: "Article two", amount: { currency: "USD", value: "0.01" } },
};

beforeAll(async () => {
  host = await startHost({ dbPath: hostDb });
  bank = await startDemoBank({ hostUrl: host.url, operatorToken: host.operatorToken });
  const keys = generateKeyPair();
  vendorId = playerIdFor("vendor", keys.publicKey);
  const countingFetch: FetchLike = (input, init) => {
    if (input.endsWith("/v1/check-commit")) checkCommits++;
    return fetch(input, init);
  };
  handlers = createVendorHandlers({
    vendorId,
    privateKey: keys.privateKey,
    hostUrl: host.url,
    catalog: { get: async (id) => articles[id] },
    deliver: async (item) => {
      deliveredItems.push(item.id);
      return { mediaType: "text/html", body: `<p>The full text of ${item.id}.</p>` };
    },
    now: () => new Date(Date.now() + skewMs),
    fetch: countingFetch,
    outboxTimer: false,
  });
  served = await serveFetch(
    async (req) => (await handlers.handle(req)) ?? new Response(null, { status: 404 }),
  );
  endpoint = `${served.url}/quickpay`;
  await registerVendor(host.url, keys, { name: "Test Shop", origins: [served.url], endpoint });
  wallet = await createTestWallet(host.url, bank.url, bank.accounts[0]!);
});

afterAll(async () => {
  await handlers?.close();
  await served?.close();
  await bank?.close();
  await host?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function getOrder(itemId = "article-1") {
  const r = await postJson(`${endpoint}/v1/get-order`, { itemId });
  expect(r.status).toBe(200);
  return SignedOrder.parse(r.json);
}

const requestDelivery = (body: unknown) => postJson(`${endpoint}/v1/request-order-delivery`, body);

async function status(digest: string) {
  return getJson(host.url + orderStatusPath(digest), OrderStatus);
}

describe("Request Order Delivery with a real host and broker", () => {
  it("delivers after Check Commit and registers the delivery with the host", async () => {
    const order = await getOrder();
    const endorsement = await wallet.inquirePayment(order);
    const before = checkCommits;
    const reply = await sendMessage(endpoint, "RequestOrderDelivery", { order, endorsement });
    expect(RequestOrderDelivery.reply.parse(reply)).toEqual(reply);
    expect(reply).toMatchObject({
      orderDigest: orderDigest(order.order),
      commitId: endorsement.endorsement.commitId,
      content: { mediaType: "text/html", body: "<p>The full text of article-1.</p>" },
    });
    expect(checkCommits).toBe(before + 1);
    // Register Delivery went out right after the delivery was recorded, not before the reply:
    // the flush waits for that send (or makes it) and leaves nothing behind.
    expect(await handlers.flushOutbox()).toMatchObject({ pending: 0 });
    const recorded = await status(reply.orderDigest);
    expect(recorded.delivery).toMatchObject({ from: vendorId, commitId: reply.commitId, vendorId });
    // The wallet's side, opening the endorsement's payer tag with its salt: recorded, the wallet unnamed.
    expect(endorsement.endorsement).toMatchObject({ kind: "micro", payerTag: expect.any(String) });
    await wallet.registerOrder(endorsement);
    expect((await status(reply.orderDigest)).order).toMatchObject({ commitId: reply.commitId, from: null });
  });

  it("answers a repeated request with the same delivery, without a second Check Commit", async () => {
    const order = await getOrder("article-2");
    const endorsement = await wallet.inquirePayment(order);
    const before = checkCommits;
    const [a, b] = await Promise.all([
      requestDelivery({ order, endorsement }),
      requestDelivery({ order, endorsement }),
    ]);
    const c = await requestDelivery({ order, endorsement });
    expect(a.status).toBe(200);
    expect(b.json).toEqual(a.json);
    expect(c.json).toEqual(a.json);
    expect(checkCommits).toBe(before + 1);
    expect(deliveredItems.filter((i) => i === "article-2")).toHaveLength(1);
  });

  it("refuses an endorsement of another order (mismatch) without asking the broker", async () => {
    const paid = await getOrder();
    const endorsement = await wallet.inquirePayment(paid);
    const other = await getOrder();
    const before = checkCommits;
    const r = await requestDelivery({ order: other, endorsement });
    expect(r).toMatchObject({ status: 422, json: { error: { code: "mismatch" } } });
    expect(checkCommits).toBe(before);
  });

  it("refuses an endorsement of another kind or of none (mismatch on kind) without asking the broker", async () => {
    const order = await getOrder();
    const real = await wallet.inquirePayment(order);
    expect(real.endorsement.kind).toBe("micro");
    const before = checkCommits;
    for (const kind of ["regular", undefined] as const) {
      // Signed by the broker's own (committed DEMO) key, so only the kind is wrong.
      const { kind: _endorsed, ...rest } = real.endorsement;
      const endorsement = await signEndorsement(demoBrokerPrivateKey, { ...rest, ...(kind ? { kind } : {}) });
      const r = await requestDelivery({ order, endorsement });
      expect(r).toMatchObject({
        status: 422,
        json: { error: { code: "mismatch", details: { fields: ["kind"] } } },
      });
    }
    expect(checkCommits).toBe(before);
    // The honest endorsement still delivers: the refusals recorded nothing against the commitment.
    const ok = await requestDelivery({ order, endorsement: real });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
  });

  it("refuses an endorsement whose signature was tampered with (bad_signature)", async () => {
    const order = await getOrder();
    const endorsement = await wallet.inquirePayment(order);
    const forged = {
      ...endorsement,
      endorsement: { ...endorsement.endorsement, expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    };
    const r = await requestDelivery({ order, endorsement: forged });
    expect(r).toMatchObject({ status: 401, json: { error: { code: "bad_signature" } } });
  });

  it("refuses an endorsement from a broker the directory does not know (unknown_player)", async () => {
    const order = await getOrder();
    const stranger = generateKeyPair();
    const endorsement = await signEndorsement(stranger.privateKey, {
      commitId: "c_strangerstrangerstranger",
      orderDigest: orderDigest(order.order),
      vendorId,
      amount: order.order.amount,
      kind: order.order.kind,
      brokerId: playerIdFor("broker", stranger.publicKey),
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    const r = await requestDelivery({ order, endorsement });
    expect(r).toMatchObject({ status: 404, json: { error: { code: "unknown_player" } } });
  });

  it("passes on the broker's refusal of a commitment it never made (unknown_commit), releases nothing, and keeps the refusal", async () => {
    const order = await getOrder();
    // Signed with the demo bank's committed DEMO key: authentic-looking, but never endorsed.
    const endorsement = await signEndorsement(demoBrokerPrivateKey, {
      commitId: "c_neverendorsedneverendorsed",
      orderDigest: orderDigest(order.order),
      vendorId,
      amount: order.order.amount,
      kind: order.order.kind,
      brokerId: bank.brokerId,
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    const before = checkCommits;
    const r = await requestDelivery({ order, endorsement });
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe("unknown_commit");
    expect(r.json).not.toHaveProperty("content");
    expect(checkCommits).toBe(before + 1);
    // Definitive: the repeat gets the stored refusal, without asking the broker again.
    const again = await requestDelivery({ order, endorsement });
    expect(again).toMatchObject({ status: 404, json: { error: { code: "unknown_commit" } } });
    expect(checkCommits).toBe(before + 1);
    await handlers.flushOutbox();
    expect((await status(orderDigest(order.order))).delivery).toBeNull();
  });

  it("does not blame the Wallet when the broker refuses the vendor itself (internal, with the broker's code)", async () => {
    // A vendor the host never registered: the broker cannot verify its Check Commit envelope.
    const keys = generateKeyPair();
    const stranger = createVendorHandlers({
      vendorId: playerIdFor("vendor", keys.publicKey),
      privateKey: keys.privateKey,
      hostUrl: host.url,
      catalog: { get: async (id) => articles[id] },
      deliver: async () => ({ mediaType: "text/plain", body: "never" }),
      outboxTimer: false,
    });
    const served2 = await serveFetch(
      async (req) => (await stranger.handle(req)) ?? new Response(null, { status: 404 }),
    );
    try {
      const got = await postJson(`${served2.url}/v1/get-order`, { itemId: "article-1" });
      const order = SignedOrder.parse(got.json);
      const endorsement = await signEndorsement(demoBrokerPrivateKey, {
        commitId: "c_strangervendorstrangervendor",
        orderDigest: orderDigest(order.order),
        vendorId: order.order.vendorId,
        amount: order.order.amount,
        kind: order.order.kind,
        brokerId: bank.brokerId,
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      });
      const r = await postJson(`${served2.url}/v1/request-order-delivery`, { order, endorsement });
      expect(r.status).toBe(500);
      expect(r.json.error.code).toBe("internal");
      expect(r.json.error.details.brokerError).toMatch(/^[a-z_]+$/);
    } finally {
      await stranger.close();
      await served2.close();
    }
  });

  it("refuses an order that expired before delivery (order_expired), before Check Commit", async () => {
    const order = await getOrder();
    const endorsement = await wallet.inquirePayment(order);
    const before = checkCommits;
    skewMs = 11 * 60_000;
    try {
      const r = await requestDelivery({ order, endorsement });
      expect(r).toMatchObject({ status: 410, json: { error: { code: "order_expired" } } });
    } finally {
      skewMs = 0;
    }
    expect(checkCommits).toBe(before);
  });

  it("still delivers while the host is down, and registers the delivery once it is back", async () => {
    const order = await getOrder();
    const endorsement = await wallet.inquirePayment(order);
    const port = Number(new URL(host.url).port);
    await host.close();

    const r = await requestDelivery({ order, endorsement });
    expect(r.status).toBe(200);
    expect(r.json.content.body).toBe("<p>The full text of article-1.</p>");
    expect(await handlers.flushOutbox()).toEqual({ sent: 0, pending: 1 });

    host = await startHost({ dbPath: hostDb, port, operatorToken: host.operatorToken });
    expect(await handlers.flushOutbox()).toEqual({ sent: 1, pending: 0 });
    expect((await status(r.json.orderDigest)).delivery).toMatchObject({
      from: vendorId,
      commitId: r.json.commitId,
    });
  });
});

describe("registerVendor", () => {
  it("returns the vendor id derived from the key, which the host lists", async () => {
    const keys = generateKeyPair();
    // A site serving only the SDK's origin proof for this key.
    const site = await serveFetch(
      async (req) => originProofResponse(req, keys.publicKey) ?? new Response(null, { status: 404 }),
    );
    try {
      const id = await registerVendor(host.url, keys, {
        name: "Another Shop",
        origins: [site.url],
        endpoint: `${site.url}/quickpay`,
      });
      expect(id).toBe(playerIdFor("vendor", keys.publicKey));
      await expect(
        registerVendor(host.url, keys, { name: "", origins: [], endpoint: "nope" }),
      ).rejects.toBeInstanceOf(QuickPayError);
    } finally {
      await site.close();
    }
  });

  it("is refused with origin_not_proven when the origin does not list the key", async () => {
    const keys = generateKeyPair();
    const site = await serveFetch(
      async (req) =>
        originProofResponse(req, generateKeyPair().publicKey) ?? new Response(null, { status: 404 }),
    );
    try {
      const refused = registerVendor(host.url, keys, {
        name: "Not Mine",
        origins: [site.url],
        endpoint: `${site.url}/quickpay`,
      });
      await expect(refused).rejects.toMatchObject({ code: "origin_not_proven", status: 403 });
    } finally {
      await site.close();
    }
  });

  it("hands the vendor over to a new key with rotateFrom: the old vendor is suspended", async () => {
    const old = generateKeyPair();
    const next = generateKeyPair();
    let listed = [old.publicKey];
    const site = await serveFetch(
      async (req) => originProofResponse(req, listed) ?? new Response(null, { status: 404 }),
    );
    try {
      const registration = { name: "Rotating Shop", origins: [site.url], endpoint: `${site.url}/quickpay` };
      const oldId = await registerVendor(host.url, old, registration);
      listed = [old.publicKey, next.publicKey];
      const newId = await registerVendor(host.url, next, { ...registration, rotateFrom: old.privateKey });
      expect(newId).toBe(playerIdFor("vendor", next.publicKey));
      const byOrigin = await getJson(host.url + directoryPaths.vendorByOrigin(site.url), DirectoryEntry);
      expect(byOrigin).toMatchObject({ id: newId, status: "active" });
      expect(await getJson(host.url + directoryPaths.player(oldId), DirectoryEntry)).toMatchObject({
        status: "suspended",
        origins: [],
      });
    } finally {
      await site.close();
    }
  });
});

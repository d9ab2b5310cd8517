/**
 * Request Order Delivery as a durable state machine, over real HTTP against a real System Host and
 * the real demo bank: a deliver() that throws, a process that dies between PREPARED and Check
 * Commit, the endorsement's expiry, and receipts. Host, bank, Wallet and vendor share one injected
 * clock, moved forward instead of slept on.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type RunningHost, sharedProofServer, startHost } from "@quickpay/host-server";
import { type RunningBroker, startDemoBank } from "@quickpay/paycards/demo-bank/server";
import {
  DELIVERY_RETRY_GRACE_MS,
  type FetchLike,
  generateKeyPair,
  getJson,
  OrderStatus,
  orderStatusPath,
  playerIdFor,
  type SignedEndorsement,
  SignedOrder,
} from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, type Served, serveFetch } from "../test-support/serve";
import { createTestWallet, type TestWallet } from "../test-support/wallet";
import type { Item, VendorConfig, VendorLogger } from "./config";
import type { VendorEvent } from "./events";
import { JsonLinesVendorStore, readVendorStoreFile } from "./file-store";
import { createVendorHandlers, type VendorHandlers } from "./handlers";
import { registerVendor } from "./register";
import type { DeliveryRecord, VendorStore } from "./store";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vendor-recovery-"));
/** Every player's clock. Only ever moved forward. */
let t = Date.now();
const now = () => new Date(t);
const MINUTE = 60_000;

let host: RunningHost;
let bank: RunningBroker;
let wallet: TestWallet;
const keys = generateKeyPair();
const vendorId = playerIdFor("vendor", keys.publicKey);

const items: Record<string, Item> = {
  article: { id: "article", description: "An article", amount: { currency: "USD", value: "0.01" } },
  "game-round": {
    id: "game-round",
    description: "One round",
    amount: { currency: "USD", value: "0.01" },
    receipt: "once",
  },
  "day-pass": {
    id: "day-pass",
    description: "An hour's pass",
    amount: { currency: "USD", value: "0.01" },
    receipt: { validForMs: 30 * 24 * 60 * MINUTE },
  },
};

beforeAll(async () => {
  host = await startHost({ dbPath: path.join(dir, "host.db"), now });
  bank = await startDemoBank({
    hostUrl: host.url,
    operatorToken: host.operatorToken,
    now,
    approvalPollMs: 0,
  });
  // The shared proof server serves /.well-known/quickpay.json for this key on a fresh origin.
  const origin = (await sharedProofServer()).originFor(keys.publicKey);
  await registerVendor(host.url, keys, {
    name: "Recovery Shop",
    origins: [origin],
    endpoint: `${origin}/quickpay`,
  });
  wallet = await createTestWallet(host.url, bank.url, bank.accounts[0]!, now);
});

afterAll(async () => {
  await bank?.close();
  await host?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One vendor process: handlers over a store, served on loopback, with what it did counted. */
interface Shop {
  handlers: VendorHandlers;
  served: Served;
  endpoint: string;
  events: VendorEvent[];
  errors: { obj: object; msg?: string | undefined }[];
  /** Check Commit message ids, in the order the vendor sent them. */
  checkCommitIds: string[];
  close(): Promise<void>;
}

async function startShop(
  options: Partial<VendorConfig<Item>> & { store: VendorStore; transport?: FetchLike },
): Promise<Shop> {
  const events: VendorEvent[] = [];
  const errors: Shop["errors"] = [];
  const checkCommitIds: string[] = [];
  const logger: VendorLogger = { info() {}, warn() {}, error: (obj, msg) => errors.push({ obj, msg }) };
  const counting: FetchLike = (input, init) => {
    if (input.endsWith("/v1/check-commit")) checkCommitIds.push(JSON.parse(String(init?.body)).id);
    return (options.transport ?? fetch)(input, init);
  };
  const { onEvent, transport: _transport, ...rest } = options;
  const handlers = createVendorHandlers({
    vendorId,
    privateKey: keys.privateKey,
    hostUrl: host.url,
    catalog: { get: async (id) => items[id] },
    deliver: async (item) => ({ mediaType: "text/plain", body: `the ${item.id}` }),
    now,
    fetch: counting,
    outboxTimer: false,
    logger,
    ...rest,
    onEvent: async (event) => {
      events.push(event);
      await onEvent?.(event);
    },
  });
  const served = await serveFetch(
    async (req) => (await handlers.handle(req)) ?? new Response(null, { status: 404 }),
  );
  return {
    handlers,
    served,
    endpoint: `${served.url}/quickpay`,
    events,
    errors,
    checkCommitIds,
    async close() {
      await handlers.close();
      await served.close();
    },
  };
}

/** Get Order and Inquiry Payment: what the Wallet holds before Request Order Delivery. */
async function buy(shop: Shop, itemId = "article") {
  const got = await postJson(`${shop.endpoint}/v1/get-order`, { itemId });
  expect(got.status).toBe(200);
  const order = SignedOrder.parse(got.json);
  const endorsement = await wallet.inquirePayment(order);
  return { order, endorsement };
}

const requestDelivery = (shop: Shop, body: { order: SignedOrder; endorsement: SignedEndorsement }) =>
  postJson(`${shop.endpoint}/v1/request-order-delivery`, body);

const commitment = (endorsement: SignedEndorsement) =>
  bank.server.ledger.commitments.get(endorsement.endorsement.commitId)!;

/** Check Commit claims the hold for the vendor (no money moves); settlement captures it. */
const CLAIMED = "claimed";

const types = (events: VendorEvent[]) => events.map((e) => e.type);

describe("deliver() throwing once", () => {
  it("answers delivery_failed with nothing claimed, logs and reports it, then delivers once on the resend", async () => {
    const file = path.join(dir, "throws-once", "deliveries.jsonl");
    const store = new JsonLinesVendorStore(file);
    let calls = 0;
    /** The record as another process reads it from disk, at each event. */
    const onDisk: [VendorEvent["type"], DeliveryRecord["state"] | undefined, number | undefined][] = [];
    const shop = await startShop({
      store,
      deliver: async (item) => {
        calls++;
        if (calls === 1) throw new Error("content database is down");
        return { mediaType: "text/plain", body: `the ${item.id}, call ${calls}` };
      },
      onEvent: (event) => {
        const record = readVendorStoreFile(file).deliveries.find((d) => d.commitId === event.commitId);
        onDisk.push([event.type, record?.state, record?.attempts]);
      },
    });
    try {
      const bought = await buy(shop);
      const commitId = bought.endorsement.endorsement.commitId;

      const failed = await requestDelivery(shop, bought);
      expect(failed).toMatchObject({ status: 503, json: { error: { code: "delivery_failed" } } });
      expect(failed.json).not.toHaveProperty("content");
      expect(shop.checkCommitIds).toEqual([]);
      expect(commitment(bought.endorsement).status).toBe("held");
      expect(await store.findDelivery(commitId)).toMatchObject({
        state: "accepted",
        attempts: 1,
        lastError: { code: "internal", message: "content database is down" },
      });
      expect(types(shop.events)).toEqual(["order_accepted", "deliver_failed", "answered"]);
      const deliverFailed = shop.events[1]!;
      expect(deliverFailed).toMatchObject({
        type: "deliver_failed",
        commitId,
        orderDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
        itemId: "article",
        attempts: 1,
      });
      expect(deliverFailed.type === "deliver_failed" && (deliverFailed.error as Error).message).toBe(
        "content database is down",
      );
      expect(shop.events[2]).toMatchObject({ status: 503, code: "delivery_failed", state: "accepted" });
      expect(shop.errors).toContainEqual(
        expect.objectContaining({ obj: expect.objectContaining({ commitId, attempts: 1 }) }),
      );

      const delivered = await requestDelivery(shop, bought);
      expect(delivered.status).toBe(200);
      expect(delivered.json).toMatchObject({ commitId, content: { body: "the article, call 2" } });
      expect(shop.checkCommitIds).toHaveLength(1);
      expect(commitment(bought.endorsement).status).toBe(CLAIMED);
      expect(types(shop.events).slice(3)).toEqual([
        "order_prepared",
        "commit_checked",
        "order_delivered",
        "answered",
      ]);

      // Repeats get the stored reply: no third deliver(), no second Check Commit.
      const again = await requestDelivery(shop, bought);
      expect(again.json).toEqual(delivered.json);
      expect(calls).toBe(2);
      expect(shop.checkCommitIds).toHaveLength(1);

      // Every state was on disk before the event that follows it.
      expect(onDisk).toEqual([
        ["order_accepted", "accepted", 0],
        ["deliver_failed", "accepted", 1],
        ["answered", "accepted", 1],
        ["order_prepared", "prepared", 1],
        ["commit_checked", "prepared", 1],
        ["order_delivered", "delivered", 1],
        ["answered", "delivered", 1],
        ["answered", "delivered", 1],
      ]);

      expect(await shop.handlers.flushOutbox()).toMatchObject({ pending: 0 });
      const status = await getJson(host.url + orderStatusPath(delivered.json.orderDigest), OrderStatus);
      expect(status.delivery).toMatchObject({ from: vendorId, commitId });

      // Charged once, at settlement: the claimed hold is captured for the one delivered order.
      const settled = await shop.handlers.settlePending();
      expect(settled.byBroker).toEqual([delivered.json.orderDigest]);
      expect(commitment(bought.endorsement).status).toBe("captured");
      expect((await shop.handlers.settlePending()).byBroker).toEqual([]);
    } finally {
      await shop.close();
      await store.close();
    }
  });

  it("logs and ignores an onEvent listener that throws", async () => {
    const shop = await startShop({
      store: new JsonLinesVendorStore(path.join(dir, "bad-listener", "deliveries.jsonl")),
      onEvent: () => {
        throw new Error("listener broke");
      },
    });
    try {
      const r = await requestDelivery(shop, await buy(shop));
      expect(r.status).toBe(200);
      expect(types(shop.events)).toEqual([
        "order_accepted",
        "order_prepared",
        "commit_checked",
        "order_delivered",
        "answered",
      ]);
      expect(shop.errors.filter((e) => e.msg?.includes("onEvent"))).toHaveLength(5);
    } finally {
      await shop.close();
    }
  });
});

describe("a vendor process that dies between PREPARED and Check Commit", () => {
  it("resumes in a fresh process on the same store file without calling deliver() again", async () => {
    const file = path.join(dir, "crash", "deliveries.jsonl");
    let calls = 0;
    const deliver = async (item: Item) => {
      calls++;
      return { mediaType: "text/plain" as const, body: `the ${item.id}, call ${calls}` };
    };
    let reachedPrepared!: () => void;
    const prepared = new Promise<void>((resolve) => {
      reachedPrepared = resolve;
    });
    let resume!: () => void;
    const frozen = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const firstStore = new JsonLinesVendorStore(file);
    const first = await startShop({
      store: firstStore,
      deliver,
      // The process "dies" here: it never gets past PREPARED.
      onEvent: async (event) => {
        if (event.type !== "order_prepared") return;
        reachedPrepared();
        await frozen;
      },
    });
    const bought = await buy(first);
    // The Wallet's first request never gets an answer: the process froze inside order_prepared.
    const unanswered = requestDelivery(first, bought);
    await prepared;
    expect(readVendorStoreFile(file).deliveries).toEqual([
      expect.objectContaining({
        state: "prepared",
        content: { mediaType: "text/plain", body: "the article, call 1" },
      }),
    ]);
    expect(first.checkCommitIds).toEqual([]);

    const secondStore = new JsonLinesVendorStore(file);
    const second = await startShop({ store: secondStore, deliver });
    try {
      const r = await requestDelivery(second, bought);
      expect(r.status).toBe(200);
      expect(r.json.content.body).toBe("the article, call 1");
      expect(calls).toBe(1);
      expect(second.checkCommitIds).toHaveLength(1);
      expect(types(second.events)).toEqual(["commit_checked", "order_delivered", "answered"]);
      expect(commitment(bought.endorsement).status).toBe(CLAIMED);
      expect(readVendorStoreFile(file).deliveries).toEqual([
        expect.objectContaining({ state: "delivered", reply: r.json }),
      ]);
    } finally {
      // Let the frozen first process finish before its store closes, so nothing is left running.
      // What it does now is a resend of the same Check Commit, which the broker answers from its
      // record, into the file the second process's compaction replaced.
      resume();
      await unanswered;
      await first.close();
      await firstStore.close();
      await second.close();
      await secondStore.close();
    }
    expect(first.checkCommitIds).toEqual(second.checkCommitIds);
    expect(commitment(bought.endorsement).status).not.toBe("released");
  });
});

/** Moves every player's clock to just past the endorsement's expiry. */
function pastExpiryOf(endorsement: SignedEndorsement, byMs = 1_000) {
  t = Math.max(t, Date.parse(endorsement.endorsement.expiresAt) + byMs);
}

describe("after the endorsement's expiry, the vendor's answer is definitive", () => {
  it("refuses an accepted order whose Check Commit was never sent with order_expired, locally and for good", async () => {
    const store = new JsonLinesVendorStore(path.join(dir, "expired-accepted", "deliveries.jsonl"));
    let calls = 0;
    const shop = await startShop({
      store,
      deliver: async () => {
        calls++;
        throw new Error("still down");
      },
    });
    try {
      const bought = await buy(shop);
      expect((await requestDelivery(shop, bought)).json.error.code).toBe("delivery_failed");
      pastExpiryOf(bought.endorsement);

      for (let repeat = 0; repeat < 2; repeat++) {
        const r = await requestDelivery(shop, bought);
        expect(r).toMatchObject({ status: 410, json: { error: { code: "order_expired" } } });
      }
      expect(calls).toBe(1);
      expect(shop.checkCommitIds).toEqual([]);
      expect(await store.findDelivery(bought.endorsement.endorsement.commitId)).toMatchObject({
        state: "refused",
        refusal: { code: "order_expired" },
      });
      expect(types(shop.events)).toEqual([
        "order_accepted",
        "deliver_failed",
        "answered",
        "order_refused",
        "answered",
        "answered",
      ]);
      // Never claimed: the broker releases the hold (lazily, or has already).
      expect(["held", "released"]).toContain(commitment(bought.endorsement).status);
      expect(await shop.handlers.settlePending()).toMatchObject({ byBroker: [], byHost: [], unsettled: [] });
    } finally {
      await shop.close();
      await store.close();
    }
  });

  it("re-sends a Check Commit whose answer was lost under the same id: the broker's stored 'live' delivers it", async () => {
    let loseAnswers = true;
    /** Check Commit reaches the broker, but its answer is lost on the way back. */
    const lossy: FetchLike = async (input, init) => {
      const response = await fetch(input, init);
      if (loseAnswers && input.endsWith("/v1/check-commit")) throw new TypeError("connection reset");
      return response;
    };
    const store = new JsonLinesVendorStore(path.join(dir, "lost-answer", "deliveries.jsonl"));
    const shop = await startShop({ store, transport: lossy });
    try {
      const bought = await buy(shop, "game-round");
      const commitId = bought.endorsement.endorsement.commitId;
      const first = await requestDelivery(shop, bought);
      expect(first).toMatchObject({ status: 502, json: { error: { code: "broker_unreachable" } } });
      expect(await store.findDelivery(commitId)).toMatchObject({
        state: "prepared",
        lastError: { code: "broker_unreachable" },
      });
      expect(commitment(bought.endorsement).status).toBe(CLAIMED);

      loseAnswers = false;
      pastExpiryOf(bought.endorsement, MINUTE);
      const late = await requestDelivery(shop, bought);
      expect(late.status).toBe(200);
      expect(late.json.content.body).toBe("the game-round");
      expect(shop.checkCommitIds).toHaveLength(2);
      expect(shop.checkCommitIds[1]).toBe(shop.checkCommitIds[0]);
      expect((await store.findDelivery(commitId))?.state).toBe("delivered");

      // A one-time item delivered only after the endorsement expired: its lost answer is still
      // re-sent while the Wallet's own retries run (DELIVERY_RETRY_GRACE_MS past the expiry), then no more.
      const retriesEnd = Date.parse(bought.endorsement.endorsement.expiresAt) + DELIVERY_RETRY_GRACE_MS;
      t = retriesEnd - 1_000;
      expect((await requestDelivery(shop, bought)).json).toEqual(late.json);
      t = retriesEnd;
      expect(await requestDelivery(shop, bought)).toMatchObject({
        status: 410,
        json: { error: { code: "receipt_expired" } },
      });
      expect(shop.checkCommitIds).toHaveLength(2);
    } finally {
      await shop.close();
      await store.close();
    }
  });

  it("re-sends a Check Commit that never reached the broker: its order_expired is stored as the refusal", async () => {
    let dropRequests = true;
    /** Check Commit never reaches the broker; the vendor cannot tell it from a lost answer. */
    const dropping: FetchLike = async (input, init) => {
      if (dropRequests && input.endsWith("/v1/check-commit")) throw new TypeError("connection refused");
      return fetch(input, init);
    };
    const store = new JsonLinesVendorStore(path.join(dir, "never-sent", "deliveries.jsonl"));
    const shop = await startShop({ store, transport: dropping });
    try {
      const bought = await buy(shop);
      expect((await requestDelivery(shop, bought)).json.error.code).toBe("broker_unreachable");
      expect(commitment(bought.endorsement).status).toBe("held");

      dropRequests = false;
      pastExpiryOf(bought.endorsement);
      for (let repeat = 0; repeat < 2; repeat++) {
        expect(await requestDelivery(shop, bought)).toMatchObject({
          status: 410,
          json: { error: { code: "order_expired" } },
        });
      }
      // Asked once more after the expiry, under the same id; the refusal is then the stored answer.
      expect(shop.checkCommitIds).toHaveLength(2);
      expect(new Set(shop.checkCommitIds).size).toBe(1);
      expect(await store.findDelivery(bought.endorsement.endorsement.commitId)).toMatchObject({
        state: "refused",
        refusal: { code: "order_expired" },
      });
      expect(["held", "released"]).toContain(commitment(bought.endorsement).status);
    } finally {
      await shop.close();
      await store.close();
    }
  });
});

describe("receipts", () => {
  let shop: Shop;
  let store: JsonLinesVendorStore;
  beforeAll(async () => {
    store = new JsonLinesVendorStore(path.join(dir, "receipts", "deliveries.jsonl"));
    shop = await startShop({ store });
  });
  afterAll(async () => {
    await shop?.close();
    await store?.close();
  });

  it("signs each item's receipt policy into its order", async () => {
    const orderOf = async (itemId: string) =>
      SignedOrder.parse((await postJson(`${shop.endpoint}/v1/get-order`, { itemId })).json).order;
    expect((await orderOf("article")).receiptUntil).toBe("forever");
    expect(await orderOf("game-round")).not.toHaveProperty("receiptUntil");
    const pass = await orderOf("day-pass");
    expect(Date.parse(pass.receiptUntil!) - Date.parse(pass.createdAt)).toBe(30 * 24 * 60 * MINUTE);
  });

  it("re-delivers a 'forever' article's stored reply, a year later, without a second charge", async () => {
    const bought = await buy(shop, "article");
    const delivered = await requestDelivery(shop, bought);
    expect(delivered.status).toBe(200);
    const checks = shop.checkCommitIds.length;
    t += 366 * 24 * 60 * MINUTE;
    const restored = await requestDelivery(shop, bought);
    expect(restored).toMatchObject({ status: 200, json: delivered.json });
    expect(shop.checkCommitIds).toHaveLength(checks);
  });

  it("re-delivers a timed receipt until its receiptUntil, then answers receipt_expired", async () => {
    const bought = await buy(shop, "day-pass");
    const delivered = await requestDelivery(shop, bought);
    expect(delivered.status).toBe(200);
    const until = Date.parse(bought.order.order.receiptUntil!);
    // Past the endorsement's expiry, inside the receipt.
    pastExpiryOf(bought.endorsement);
    expect(t).toBeLessThan(until);
    expect((await requestDelivery(shop, bought)).json).toEqual(delivered.json);
    t = until - 1;
    expect((await requestDelivery(shop, bought)).json).toEqual(delivered.json);
    t = until;
    const expired = await requestDelivery(shop, bought);
    expect(expired).toMatchObject({ status: 410, json: { error: { code: "receipt_expired" } } });
    expect(expired.json.error.details.receiptUntil).toBe(new Date(until).toISOString());
  });

  it("re-delivers a one-time round only while the Wallet's own retries run (until the grace after the endorsement's expiry)", async () => {
    const bought = await buy(shop, "game-round");
    const delivered = await requestDelivery(shop, bought);
    expect(delivered.status).toBe(200);
    const retriesEnd = Date.parse(bought.endorsement.endorsement.expiresAt) + DELIVERY_RETRY_GRACE_MS;
    t = retriesEnd - 1;
    expect((await requestDelivery(shop, bought)).json).toEqual(delivered.json);
    t = retriesEnd;
    expect(await requestDelivery(shop, bought)).toMatchObject({
      status: 410,
      json: { error: { code: "receipt_expired" } },
    });
    const answered = shop.events.filter(
      (e) => e.type === "answered" && e.commitId === bought.endorsement.endorsement.commitId,
    );
    expect(answered.at(-1)).toMatchObject({ status: 410, code: "receipt_expired", state: "delivered" });
  });
});

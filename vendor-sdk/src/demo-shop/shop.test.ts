/** The demo shop over real HTTP against a real host and the real demo bank. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type RunningHost, startHost } from "@quickpay/host-server";
import { type RunningBroker, startDemoBank } from "@quickpay/paycards/demo-bank/server";
import {
  DirectoryEntry,
  directoryPaths,
  getJson,
  OrderStatus,
  orderStatusPath,
  SignedOrder,
  sendMessage,
  VENDOR_ORIGIN_PROOF_PATH,
  VendorOriginProof,
} from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VendorEvent } from "../server/events";
import { readVendorStoreFile } from "../server/file-store";
import { postJson } from "../test-support/serve";
import { createTestWallet } from "../test-support/wallet";
import { articles } from "./articles";
import { type RunningShop, startDemoShop } from "./shop";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "demo-shop-"));
let host: RunningHost;
let bank: RunningBroker;
let shop: RunningShop;

beforeAll(async () => {
  host = await startHost({ dbPath: path.join(dir, "host.db") });
  bank = await startDemoBank({ hostUrl: host.url, operatorToken: host.operatorToken });
  shop = await startDemoShop({ hostUrl: host.url, dataDir: path.join(dir, "shop") });
});

afterAll(async () => {
  await shop?.close();
  await bank?.close();
  await host?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("The Daily Cent", () => {
  it("is registered with the host under its own origin and /quickpay endpoint", async () => {
    expect(shop.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(shop.endpoint).toBe(`${shop.url}/quickpay`);
    const entry = await getJson(host.url + directoryPaths.vendorByOrigin(shop.url), DirectoryEntry);
    expect(entry).toMatchObject({
      id: shop.vendorId,
      kind: "vendor",
      name: "The Daily Cent",
      origins: [shop.url],
      endpoint: shop.endpoint,
      status: "active",
    });
  });

  it("proves its origin: /.well-known/quickpay.json lists its vendor key", async () => {
    const response = await fetch(`${shop.url}${VENDOR_ORIGIN_PROOF_PATH}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const entry = await getJson(host.url + directoryPaths.player(shop.vendorId), DirectoryEntry);
    expect(VendorOriginProof.parse(await response.json())).toEqual({ vendorKeys: [entry.publicKey] });
  });

  it("shows teasers and pay buttons, never an article body", async () => {
    const html = await (await fetch(shop.url)).text();
    expect(html).toContain('<script src="/quickpay-button.js" defer></script>');
    expect(html).toContain('<quickpay-button item="article-1" target="#article-1-body" label="Read for 1¢"');
    expect(html).toContain('data-quickpay-item="article-3"');
    for (const a of articles) {
      expect(html).toContain(a.teaser.replace("'", "&#39;"));
      expect(html).toContain(`data-testid="article-body-${a.id}"`);
      expect(html).not.toContain(a.bodyHtml);
    }
  });

  it("serves the pay button script and a page saying how to get a Wallet", async () => {
    const js = await fetch(`${shop.url}/quickpay-button.js`);
    expect(js.headers.get("content-type")).toContain("javascript");
    expect(await js.text()).toContain("quickpay-button");
    expect(await (await fetch(`${shop.url}/get-wallet`)).text()).toContain("Load unpacked");
  });

  it("sells an article for one cent through its QuickPay endpoint", async () => {
    const wallet = await createTestWallet(host.url, bank.url, bank.accounts[0]!);
    const got = await postJson(`${shop.endpoint}/v1/get-order`, { itemId: "article-2" });
    const order = SignedOrder.parse(got.json);
    expect(order.order).toMatchObject({
      vendorId: shop.vendorId,
      amount: { currency: "USD", value: "0.01" },
      deliveryUrl: `${shop.endpoint}/v1/request-order-delivery`,
    });
    const endorsement = await wallet.inquirePayment(order);
    const reply = await sendMessage(shop.endpoint, "RequestOrderDelivery", { order, endorsement });
    expect(reply.content).toEqual({ mediaType: "text/html", body: articles[1]!.bodyHtml });
  });

  it("keeps a delivery made while the host was down across a restart, and registers it on start", async () => {
    const wallet = await createTestWallet(host.url, bank.url, bank.accounts[0]!);
    const order = SignedOrder.parse(
      (await postJson(`${shop.endpoint}/v1/get-order`, { itemId: "article-1" })).json,
    );
    const endorsement = await wallet.inquirePayment(order);
    const hostPort = Number(new URL(host.url).port);
    await host.close();
    const reply = await sendMessage(shop.endpoint, "RequestOrderDelivery", { order, endorsement });
    expect(reply.content.body).toBe(articles[0]!.bodyHtml);
    await shop.close();

    host = await startHost({
      dbPath: path.join(dir, "host.db"),
      port: hostPort,
      operatorToken: host.operatorToken,
    });
    shop = await startDemoShop({ hostUrl: host.url, dataDir: path.join(dir, "shop") });
    const status = await getJson(host.url + orderStatusPath(reply.orderDigest), OrderStatus);
    expect(status.delivery).toMatchObject({ from: shop.vendorId, commitId: reply.commitId });
  });

  it("answers unknown QuickPay paths with a not_found error", async () => {
    const r = await postJson(`${shop.endpoint}/v1/nothing-here`, {});
    expect(r).toMatchObject({ status: 404, json: { error: { code: "not_found" } } });
  });

  it("keeps its vendor key across restarts, so its vendor id stays the same", async () => {
    const again = await startDemoShop({ hostUrl: host.url, dataDir: path.join(dir, "shop") });
    try {
      expect(again.vendorId).toBe(shop.vendorId);
      // Re-registering on a new port moves the shop: the directory follows its new origin.
      const entry = await getJson(host.url + directoryPaths.player(again.vendorId), DirectoryEntry);
      expect(entry).toMatchObject({ origins: [again.url], endpoint: again.endpoint });
    } finally {
      await again.close();
    }
  });

  it("takes the fault harness's hooks: a deliver() wrapper, onEvent, settle() and flushOutbox()", async () => {
    const dataDir = path.join(dir, "hooked-shop");
    const events: VendorEvent[] = [];
    let failNext = true;
    const hooked = await startDemoShop({
      hostUrl: host.url,
      dataDir,
      onEvent: (event) => {
        events.push(event);
      },
      wrapDeliver: (deliver) => async (article, order) => {
        if (failNext) {
          failNext = false;
          throw new Error("the article database is down");
        }
        return deliver(article, order);
      },
    });
    try {
      const wallet = await createTestWallet(host.url, bank.url, bank.accounts[0]!);
      const order = SignedOrder.parse(
        (await postJson(`${hooked.endpoint}/v1/get-order`, { itemId: "article-3" })).json,
      );
      expect(order.order.receiptUntil).toBe("forever");
      const endorsement = await wallet.inquirePayment(order);
      const body = { order, endorsement };
      const failed = await postJson(`${hooked.endpoint}/v1/request-order-delivery`, body);
      expect(failed).toMatchObject({ status: 503, json: { error: { code: "delivery_failed" } } });
      const delivered = await postJson(`${hooked.endpoint}/v1/request-order-delivery`, body);
      expect(delivered.json.content).toEqual({ mediaType: "text/html", body: articles[2]!.bodyHtml });
      expect(events.map((e) => e.type)).toEqual([
        "order_accepted",
        "deliver_failed",
        "answered",
        "order_prepared",
        "commit_checked",
        "order_delivered",
        "answered",
      ]);

      expect(await hooked.flushOutbox()).toMatchObject({ pending: 0 });
      await bank.server.flushOutbox();
      const report = await hooked.settle();
      expect(report.byBroker).toEqual([delivered.json.orderDigest]);
      const [record] = readVendorStoreFile(path.join(dataDir, "deliveries.jsonl")).deliveries;
      expect(record).toMatchObject({ state: "delivered", settlement: { outcome: "broker" } });
    } finally {
      await hooked.close();
    }
  });

  it("settles in the background every settleEveryMs", async () => {
    const dataDir = path.join(dir, "settling-shop");
    const settling = await startDemoShop({ hostUrl: host.url, dataDir, settleEveryMs: 50 });
    try {
      const wallet = await createTestWallet(host.url, bank.url, bank.accounts[0]!);
      const order = SignedOrder.parse(
        (await postJson(`${settling.endpoint}/v1/get-order`, { itemId: "article-1" })).json,
      );
      const endorsement = await wallet.inquirePayment(order);
      const reply = await sendMessage(settling.endpoint, "RequestOrderDelivery", { order, endorsement });
      const file = path.join(dataDir, "deliveries.jsonl");
      // Waits for a visible state (the store's settlement line), not for a time.
      await expect
        .poll(() => readVendorStoreFile(file).deliveries.find((d) => d.commitId === reply.commitId), {
          timeout: 30_000,
        })
        .toMatchObject({ state: "delivered", settlement: { outcome: "broker" } });
    } finally {
      await settling.close();
    }
  });
});

/**
 * The Wallet engine end to end in Node, against a real host, the demo bank and the demo shop on
 * loopback: first run and Register Wallet, Add Paycard, the micropayment flow with approve, decline
 * and a service-worker restart in the middle, and Register Order reaching the host.
 */
import "fake-indexeddb/auto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningHost, startHost } from "@quickpay/host-server";
import { paycardModules } from "@quickpay/paycards";
import { paycardCodeHash } from "@quickpay/paycards/code-hash";
import { type RunningBroker, startDemoBank } from "@quickpay/paycards/demo-bank/server";
import {
  DirectoryEntry,
  directoryPaths,
  displayMoney,
  endpointUrl,
  getJson,
  OrderStatus,
  orderStatusPath,
  QuickPayError,
} from "@quickpay/protocol";
import { type RunningShop, startDemoShop } from "@quickpay/vendor-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWalletDb } from "./db";
import { createWallet, type Wallet } from "./wallet";

const moduleDir = path.resolve(fileURLToPath(import.meta.url), "../../../../paycards/src/demo-bank/module");

let host: RunningHost;
let bank: RunningBroker;
let shop: RunningShop;
let dbName: string;
const opened: string[] = [];
/** The confirmation windows "on screen": opened by the engine, closed by the tests. */
const openWindows = new Set<number>();
let nextWindow = 100;

/** How far the wallet's clock runs ahead of the servers' (to let a confirmation outlive its order). */
let skewMs = 0;

function wallet(): Promise<Wallet> {
  return openWalletDb(dbName).then((db) =>
    createWallet({
      db,
      now: () => new Date(Date.now() + skewMs),
      hostUrl: host.url,
      modules: paycardModules,
      codeHashes: { "demo-bank": paycardCodeHash(moduleDir) },
      openConfirmation: async (id) => {
        opened.push(id);
        openWindows.add(nextWindow);
        return nextWindow++;
      },
      confirmationOpen: async (windowId) => openWindows.has(windowId),
    }),
  );
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return error instanceof QuickPayError ? error.code : String(error);
  }
}

beforeAll(async () => {
  host = await startHost();
  bank = await startDemoBank({ hostUrl: host.url, operatorToken: host.operatorToken });
  shop = await startDemoShop({ hostUrl: host.url });
  dbName = `wallet-test-${Date.now()}`;
});

afterAll(async () => {
  await shop?.close();
  await bank?.close();
  await host?.close();
});

describe("the Wallet engine against real players", () => {
  let w: Wallet;
  const account = () => bank.accounts[0]!;

  it("first run: makes a key pair and registers the wallet with the host", async () => {
    w = await wallet();
    await w.start();
    const meta = await w.db.get("meta", "wallet");
    expect(meta?.registered).toBe(true);
    const entry = await getJson(endpointUrl(host.url, directoryPaths.player(meta!.walletId)), DirectoryEntry);
    expect(entry).toMatchObject({ kind: "wallet", publicKey: (await w.db.get("keys", "wallet"))!.publicKey });
    expect(await w.outbox.pending()).toEqual([]);
  });

  it("a second start keeps the same identity", async () => {
    const before = await w.db.get("meta", "wallet");
    await (await wallet()).start();
    expect(await w.db.get("meta", "wallet")).toEqual(before);
  });

  it("refuses a page that is no vendor's, and opens no window", async () => {
    expect(await failure(w.engine.startPurchase("http://127.0.0.1:1", "article-1"))).toBe("not_a_vendor");
    expect(opened).toEqual([]);
  });

  it("refuses a vendor's page while the wallet has no Paycard, and opens no window", async () => {
    expect(await failure(w.engine.startPurchase(shop.url, "article-1"))).toBe("no_paycard");
    expect(opened).toEqual([]);
  });

  it("Add Paycard: certificate, the broker's questions, a wrong PIN refused, then bound and active", async () => {
    const step = await w.paycards.beginAdd("demo-bank");
    expect(step.questions.map((q) => q.id)).toEqual(["accountNumber", "pin"]);
    expect(step.certificate.brokerId).toBe(bank.brokerId);
    const wrong = w.paycards.answer("demo-bank", step.sessionId, {
      accountNumber: account().accountNumber,
      pin: "0000",
    });
    expect(await failure(wrong)).toBe("wrong_answer");
    const card = await w.paycards.answer("demo-bank", step.sessionId, {
      accountNumber: account().accountNumber,
      pin: account().pin,
    });
    expect(card.active).toBe(true);
    expect((await w.paycards.list()).map((c) => c.active)).toEqual([true]);
    const balance = await w.paycards.balance();
    expect(displayMoney(balance!.available)).toBe(displayMoney(account().balance));
  });

  it("refuses a module whose built code hash differs from its certificate", async () => {
    const db = await openWalletDb(dbName);
    const bad = createWallet({
      db,
      hostUrl: host.url,
      modules: paycardModules,
      codeHashes: { "demo-bank": "0".repeat(64) },
      openConfirmation: async () => undefined,
    });
    expect(await failure(bad.paycards.beginAdd("demo-bank"))).toBe("mismatch");
  });

  it("pays: confirmation shows vendor and order, approve delivers, Register Order reaches the host", async () => {
    const id = await w.engine.startPurchase(shop.url, "article-1");
    expect(opened).toEqual([id]);
    const view = await w.engine.confirmation(id);
    expect(view).toMatchObject({ origin: shop.url, vendorId: shop.vendorId, state: "pending" });
    expect(view.description).toContain("Town Council");
    expect(displayMoney(view.amount)).toBe("$0.01");
    await w.engine.decide(id, true);
    const result = await w.engine.awaitPurchase(id);
    expect(result.status).toBe("delivered");
    expect(result.content.body).toContain("The vote was 5 to 4");
    await w.outbox.flush();
    const [order] = await w.engine.recentOrders();
    expect(order).toMatchObject({ orderDigest: result.orderDigest, status: "delivered", registered: true });
    const status = await getJson(endpointUrl(host.url, orderStatusPath(result.orderDigest)), OrderStatus, {
      headers: { authorization: `Bearer ${host.operatorToken}` },
    });
    expect(status.order?.from).toBe((await w.db.get("meta", "wallet"))!.walletId);
  });

  it("closing the confirmation window declines, and nothing is paid", async () => {
    const id = await w.engine.startPurchase(shop.url, "article-2");
    const windowId = (await w.db.get("pending", id))!.windowId!;
    openWindows.delete(windowId);
    await w.engine.windowClosed(windowId);
    expect(await failure(w.engine.awaitPurchase(id))).toBe("declined");
    await w.engine.decide(id, true);
    expect(await failure(w.engine.awaitPurchase(id))).toBe("declined");
    expect(await w.engine.recentOrders()).toHaveLength(1);
  });

  it("a page gets one confirmation window at a time; a window that vanished counts as declined", async () => {
    const first = await w.engine.startPurchase(shop.url, "article-3");
    expect(await failure(w.engine.startPurchase(shop.url, "article-3"))).toBe("rate_limited");
    // Closed while no worker listened: the next worker finds the window gone.
    openWindows.delete((await w.db.get("pending", first))!.windowId!);
    const restarted = await wallet();
    await restarted.start();
    expect(await failure(restarted.engine.awaitPurchase(first))).toBe("declined");
    const second = await restarted.engine.startPurchase(shop.url, "article-3");
    await restarted.engine.decide(second, false);
  });

  it("only the page origin that started a purchase may wait for its content", async () => {
    const id = await w.engine.startPurchase(shop.url, "article-3");
    expect(await failure(w.engine.awaitPurchase(id, "http://127.0.0.1:1"))).toBe("not_found");
    await w.engine.decide(id, false);
    expect(await failure(w.engine.awaitPurchase(id, shop.url))).toBe("declined");
  });

  it("a confirmation survives a service-worker restart and is finished by the new worker", async () => {
    const id = await w.engine.startPurchase(shop.url, "article-2");
    const restarted = await wallet();
    await restarted.start();
    expect((await restarted.engine.confirmation(id)).state).toBe("pending");
    await restarted.engine.decide(id, true);
    expect((await restarted.engine.awaitPurchase(id)).status).toBe("delivered");
    const balance = await restarted.paycards.balance();
    expect(displayMoney(balance!.available)).toBe("$4.98");
  });

  it("approving after the order expired holds nothing and tells the page order_expired", async () => {
    const before = await w.paycards.balance();
    const id = await w.engine.startPurchase(shop.url, "article-1");
    skewMs = 24 * 60 * 60_000;
    try {
      await w.engine.decide(id, true);
      expect(await failure(w.engine.awaitPurchase(id))).toBe("order_expired");
    } finally {
      skewMs = 0;
    }
    expect(await w.paycards.balance()).toEqual(before);
  });
});

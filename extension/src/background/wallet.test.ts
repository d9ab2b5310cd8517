/**
 * The Wallet engine end to end in Node, against a real host, the demo bank and the demo shop on
 * loopback (and a second, test vendor): first run and Register Wallet, Add Paycard, the micropayment
 * flow with approve and decline, a lost answer resent until delivered, a worker dying at each step of
 * a purchase and the next one finishing it with one hold, receipts restored without a charge and
 * only for their own shop, the history with its reasons and its paging.
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
  type FetchLike,
  getJson,
  OrderStatus,
  orderStatusPath,
  parseMoney,
  payerTag,
  QuickPayError,
  wordsFor,
} from "@quickpay/protocol";
import { type RunningShop, startDemoShop, type VendorEvent } from "@quickpay/vendor-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HISTORY_PAGE_SIZE, type HistoryItem } from "../shared/messages";
import { MAX_WAITING_PER_ORIGIN } from "./confirm-queue";
import { openWalletDb } from "./db";
import { routeWalletMessage } from "./router";
import { startTestVendor, type TestVendor, testItem } from "./test-vendor";
import { headlessWindows } from "./test-windows";
import { createWallet, type Wallet } from "./wallet";
import { walletWords } from "./words";

const moduleDir = path.resolve(fileURLToPath(import.meta.url), "../../../../paycards/src/demo-bank/module");

let host: RunningHost;
let bank: RunningBroker;
let shop: RunningShop;
let otherShop: RunningShop;
/** A demo shop whose deliver() throws while `failDeliveries` > 0 (its content database is down). */
let flakyShop: RunningShop;
let failDeliveries = 0;
const flakyEvents: VendorEvent["type"][] = [];
let dbName: string;
/** The confirmation windows "on screen": opened by the engine, closed by the tests (shared by every worker). */
const windows = headlessWindows({ firstId: 100 });
const { opened } = windows;

/** How far the wallet's clock runs ahead of the servers' (to let a confirmation outlive its order). */
let skewMs = 0;

const ROD = "/v1/request-order-delivery";
const INQUIRY = "/v1/inquiry-payment";
const REGISTER_ORDER = "/v1/register-order";

/**
 * A network fault for one request to `path`: lost `before` it reaches the server or `after` the
 * server answered; `drop` fails the request at once, `hang` never returns (the worker died holding
 * it), a promise holds the request until it settles and then lets it through.
 */
interface Fault {
  path: string;
  stage: "before" | "after";
  effect: "drop" | "hang" | Promise<void>;
  /** Resolves when a request hit this fault. */
  hit: Promise<void>;
  markHit: () => void;
}
const faults: Fault[] = [];

function fault(path: string, stage: Fault["stage"], effect: Fault["effect"]): Fault {
  let markHit = () => {};
  const hit = new Promise<void>((resolve) => {
    markHit = resolve;
  });
  const f: Fault = { path, stage, effect, hit, markHit };
  faults.push(f);
  return f;
}

const never = () => new Promise<never>(() => {});

/** Every request the Wallet sent: where to, and its body (to see who is told what). */
const wire: { url: string; body: string }[] = [];

/** The real network, with the faults a test armed (each applies to one request, in order). */
const faultyFetch: FetchLike = async (input, init) => {
  const url = String(input);
  wire.push({ url, body: typeof init?.body === "string" ? init.body : "" });
  const index = faults.findIndex((f) => new URL(url).pathname.endsWith(f.path));
  if (index < 0) return fetch(input, init);
  const [f] = faults.splice(index, 1);
  f!.markHit();
  const act = async () => {
    if (f!.effect === "hang") return never();
    if (f!.effect === "drop") throw new TypeError(`fetch failed (test: lost ${f!.stage} the server)`);
    await f!.effect;
  };
  if (f!.stage === "before") {
    await act();
    return fetch(input, init);
  }
  const response = await fetch(input, init);
  const body = await response.text();
  await act();
  return new Response(body, { status: response.status, headers: response.headers });
};

const started: Wallet[] = [];

async function wallet(db = dbName): Promise<Wallet> {
  const w = createWallet({
    db: await openWalletDb(db),
    now: () => new Date(Date.now() + skewMs),
    hostUrl: host.url,
    modules: paycardModules,
    codeHashes: { "demo-bank": paycardCodeHash(moduleDir) },
    confirmWindows: windows,
    // These tests decline and buy again at once from the same shop (confirm-queue.test.ts: the cool-down).
    confirmCooldownMs: 0,
    fetch: faultyFetch,
  });
  started.push(w);
  return w;
}

/**
 * A new service worker on the same IndexedDB: the previous engine's timers stop (as they do when a
 * worker is stopped; a send it was holding never comes back), and the new one starts.
 */
async function restart(previous?: Wallet, db = dbName): Promise<Wallet> {
  void previous?.stop();
  const next = await wallet(db);
  await next.start();
  await next.outbox.drain();
  return next;
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return error instanceof QuickPayError ? error.code : String(error);
  }
}

async function availableMicros(w: Wallet): Promise<number> {
  return parseMoney((await w.paycards.balance())!.available).micros;
}

const ONE_CENT = 10_000;

async function historyItem(w: Wallet, purchaseId: string): Promise<HistoryItem | undefined> {
  const { items } = await w.handlers["history.page"]({ limit: 100 });
  return items.find((i) => i.purchaseId === purchaseId);
}

/** Sends whatever the outbox holds (Register Order after a delivery) and waits for it. */
async function settle(w: Wallet): Promise<void> {
  await w.outbox.drain({ all: true });
}

async function hostStatus(digest: string) {
  return getJson(endpointUrl(host.url, orderStatusPath(digest)), OrderStatus, {
    headers: { authorization: `Bearer ${host.operatorToken}` },
  });
}

const page = (origin: string) => ({ kind: "page" as const, origin });

beforeAll(async () => {
  host = await startHost();
  bank = await startDemoBank({ hostUrl: host.url, operatorToken: host.operatorToken });
  shop = await startDemoShop({ hostUrl: host.url });
  otherShop = await startDemoShop({ hostUrl: host.url });
  flakyShop = await startDemoShop({
    hostUrl: host.url,
    wrapDeliver: (deliver) => async (article, order) => {
      if (failDeliveries > 0) {
        failDeliveries--;
        throw new Error("the content database is down");
      }
      return deliver(article, order);
    },
    onEvent: (event) => {
      flakyEvents.push(event.type);
    },
  });
  dbName = `wallet-test-${Date.now()}`;
});

afterAll(async () => {
  for (const w of started) void w.stop();
  await flakyShop?.close();
  await otherShop?.close();
  await shop?.close();
  await bank?.close();
  await host?.close();
});

describe("the Wallet engine against real players", () => {
  let w: Wallet;
  let firstPurchase: { id: string; digest: string };
  const account = () => bank.accounts[0]!;

  it("first run: makes a key pair and registers the wallet with the host", async () => {
    w = await restart();
    const meta = await w.db.get("meta", "wallet");
    expect(meta?.registered).toBe(true);
    const entry = await getJson(endpointUrl(host.url, directoryPaths.player(meta!.walletId)), DirectoryEntry);
    expect(entry).toMatchObject({ kind: "wallet", publicKey: (await w.db.get("keys", "wallet"))!.publicKey });
    expect(await w.outbox.pending()).toEqual([]);
  });

  it("a second start keeps the same identity", async () => {
    const before = await w.db.get("meta", "wallet");
    w = await restart(w);
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

  it("tells a page why in words, keeping the code", async () => {
    const reply = await routeWalletMessage(
      w.handlers,
      { quickpay: 1, name: "page.startPay", params: { itemId: "article-1" } },
      page("http://127.0.0.1:1"),
    );
    expect(reply).toMatchObject({
      ok: false,
      error: { code: "not_a_vendor", message: wordsFor("not_a_vendor") },
    });
    expect(!reply.ok && (reply.error.details as { technical: string }).technical).toContain("127.0.0.1:1");
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
      confirmWindows: headlessWindows(),
    });
    expect(await failure(bad.paycards.beginAdd("demo-bank"))).toBe("mismatch");
  });

  it("pays: confirmation, progress, approve delivers, the receipt is kept, Register Order reaches the host", async () => {
    const before = await availableMicros(w);
    const id = await w.engine.startPurchase(shop.url, "article-1");
    expect(opened).toEqual([id]);
    const view = await w.engine.confirmation(id);
    expect(view).toMatchObject({
      origin: shop.url,
      vendorId: shop.vendorId,
      status: "confirming",
      boughtBefore: null,
    });
    expect(view.description).toContain("Town Council");
    expect(displayMoney(view.amount)).toBe("$0.01");
    expect(await w.engine.awaitPurchase(id, shop.url)).toEqual({
      progress: { state: "confirming", message: walletWords.confirming },
    });
    await w.engine.decide(id, true);
    const result = await w.engine.outcome(id, shop.url);
    expect(result.status).toBe("delivered");
    expect(result.content.body).toContain("The vote was 5 to 4");
    expect(Date.parse(result.deliveredAt)).toBeGreaterThan(0);
    firstPurchase = { id, digest: result.orderDigest };
    expect(await availableMicros(w)).toBe(before - ONE_CENT);

    await settle(w);
    const item = await historyItem(w, id);
    expect(item).toMatchObject({
      orderDigest: result.orderDigest,
      status: "delivered",
      registered: true,
      deliveredAt: result.deliveredAt,
    });
    expect(item?.reason).toBeUndefined();
    expect(item?.receiptUntil).not.toBeNull();
    const stored = await w.purchases.get(id);
    if (stored.signedOrder.order.receiptUntil === "forever") expect(item?.receiptUntil).toBe("forever");
    expect(stored.receipt?.content.body).toContain("The vote was 5 to 4");
    const status = await hostStatus(result.orderDigest);
    expect(status.order?.from).toBe((await w.db.get("meta", "wallet"))!.walletId);
  });

  it("gives the purchase's payer salt to the bank and the host only, and the bank's tag opens with it", async () => {
    const stored = await w.purchases.get(firstPurchase.id);
    const salt = stored.payerSalt!;
    expect(salt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const walletId = (await w.db.get("meta", "wallet"))!.walletId;
    expect(stored.endorsement?.endorsement).toMatchObject({
      kind: "micro",
      payerTag: payerTag(walletId, salt),
    });
    const told = wire.filter((r) => r.body.includes(salt)).map((r) => new URL(r.url));
    expect(new Set(told.map((u) => u.pathname))).toEqual(new Set([INQUIRY, REGISTER_ORDER]));
    for (const u of told) expect([new URL(bank.url).origin, new URL(host.url).origin]).toContain(u.origin);
    // The shop saw the order and the endorsement (with the tag), never the salt or the wallet's id.
    const toShop = wire.filter((r) => r.url.startsWith(shop.url));
    expect(toShop.length).toBeGreaterThan(0);
    for (const r of toShop) {
      expect(r.body).not.toContain(salt);
      expect(r.body).not.toContain(walletId);
    }
    // What anyone (the vendor too) may read of the order at the host names neither the salt nor the wallet.
    const publicView = await fetch(endpointUrl(host.url, orderStatusPath(firstPurchase.digest))).then((r) =>
      r.text(),
    );
    expect(publicView).toContain(firstPurchase.digest);
    expect(publicView).not.toContain(salt);
    expect(publicView).not.toContain(walletId);
    // Nor does the page: the result it got and the history it may read carry no salt.
    expect(JSON.stringify(await w.engine.outcome(firstPurchase.id, shop.url))).not.toContain(salt);
    expect(JSON.stringify(await w.handlers["history.page"]({ limit: 100 }))).not.toContain(salt);
    // Each purchase has its own salt.
    const all = await w.db.getAll("purchases");
    const salts = all.map((p) => p.payerSalt).filter((x) => x !== undefined);
    expect(new Set(salts).size).toBe(salts.length);
  });

  it("closing the confirmation window declines; the history says so in words", async () => {
    const id = await w.engine.startPurchase(shop.url, "article-2");
    const windowId = (await w.purchases.get(id)).windowId!;
    windows.shut(windowId);
    await w.engine.windowClosed(windowId);
    expect(await failure(w.engine.outcome(id))).toBe("declined");
    await w.engine.decide(id, true);
    expect(await failure(w.engine.outcome(id))).toBe("declined");
    expect(await historyItem(w, id)).toMatchObject({
      status: "declined",
      reasonCode: "declined",
      reason: wordsFor("declined"),
    });
  });

  it("a page's second request joins the one window's queue; a window that vanished declines both", async () => {
    const first = await w.engine.startPurchase(shop.url, "article-3");
    const openedBefore = opened.length;
    const again = await w.engine.startPurchase(shop.url, "article-3");
    expect(opened.length).toBe(openedBefore);
    const windowId = (await w.purchases.get(first)).windowId!;
    expect((await w.purchases.get(again)).windowId).toBe(windowId);
    const { ids } = await w.queue.view();
    expect(ids.indexOf(first)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(first)).toBeLessThan(ids.indexOf(again));
    // Closed while no worker listened: the next worker finds the window gone.
    windows.shut(windowId);
    w = await restart(w);
    expect(await failure(w.engine.outcome(first))).toBe("declined");
    expect(await failure(w.engine.outcome(again))).toBe("declined");
    const second = await w.engine.startPurchase(shop.url, "article-3");
    await w.engine.decide(second, false);
  });

  it("only the page origin that started a purchase may wait for its content", async () => {
    const id = await w.engine.startPurchase(shop.url, "article-3");
    expect(await failure(w.engine.outcome(id, "http://127.0.0.1:1"))).toBe("not_found");
    await w.engine.decide(id, false);
    expect(await failure(w.engine.outcome(id, shop.url))).toBe("declined");
  });

  it("a confirmation survives a service-worker restart and is finished by the new worker", async () => {
    const before = await availableMicros(w);
    const id = await w.engine.startPurchase(shop.url, "article-2");
    w = await restart(w);
    expect((await w.engine.confirmation(id)).status).toBe("confirming");
    await w.engine.decide(id, true);
    expect((await w.engine.outcome(id)).status).toBe("delivered");
    expect(await availableMicros(w)).toBe(before - ONE_CENT);
  });

  it("approving after the order expired holds nothing; the page and the history say why", async () => {
    const before = await w.paycards.balance();
    const id = await w.engine.startPurchase(shop.url, "article-2");
    skewMs = 24 * 60 * 60_000;
    try {
      await w.engine.decide(id, true);
      const reply = await routeWalletMessage(
        w.handlers,
        { quickpay: 1, name: "page.awaitPay", params: { purchaseId: id, after: "paying" } },
        page(shop.url),
      );
      expect(reply).toMatchObject({
        ok: false,
        error: { code: "order_expired", message: wordsFor("order_expired") },
      });
    } finally {
      skewMs = 0;
    }
    expect(await w.paycards.balance()).toEqual(before);
    expect(await historyItem(w, id)).toMatchObject({
      status: "failed",
      reasonCode: "order_expired",
      reason: wordsFor("order_expired"),
    });
  });

  describe("delivery that survives failure", () => {
    it("an answer lost on the way: resent, delivered once, charged once, waiting for the shop meanwhile", async () => {
      const before = await availableMicros(w);
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      fault(ROD, "after", "drop"); // the vendor delivered; its answer is lost
      const resend = fault(ROD, "before", held); // the resend waits until the test looked
      const id = await w.engine.startPurchase(shop.url, "article-2");
      await w.engine.decide(id, true);
      expect(await w.engine.awaitPurchase(id, shop.url, "paying")).toEqual({
        progress: { state: "waiting_for_shop", message: walletWords.waitingForShop },
      });
      await resend.hit;
      expect(await historyItem(w, id)).toMatchObject({
        status: "waiting_for_shop",
        reason: walletWords.waitingForShop,
        reasonCode: "vendor_unreachable",
      });
      release();
      const result = await w.engine.outcome(id, shop.url);
      expect(result).toMatchObject({ status: "delivered" });
      expect(result.content.body.length).toBeGreaterThan(0);
      expect(await availableMicros(w)).toBe(before - ONE_CENT);
      const stored = await w.purchases.get(id);
      expect(stored).toMatchObject({ status: "delivered", deliveryFailures: 1 });
      expect(stored.receipt?.content).toEqual(result.content);
      await settle(w);
      const item = await historyItem(w, id);
      expect(item).toMatchObject({ status: "delivered", registered: true, deliveredAt: result.deliveredAt });
      expect(Date.parse(item!.createdAt)).toBeLessThanOrEqual(Date.parse(item!.updatedAt));
      expect((await hostStatus(result.orderDigest)).order).not.toBeNull();
    });

    it("the shop's deliver() failing once: answered delivery_failed, resent, delivered once, charged once at settlement", async () => {
      const before = await w.paycards.balance();
      failDeliveries = 1;
      flakyEvents.length = 0;
      const id = await w.engine.startPurchase(flakyShop.url, "article-3");
      await w.engine.decide(id, true);
      const result = await w.engine.outcome(id, flakyShop.url);
      expect(result.status).toBe("delivered");
      expect(result.content.body).toContain("Signatures cost microseconds");
      const stored = await w.purchases.get(id);
      expect(stored.deliveryFailures).toBe(1);
      expect(stored.receipt?.deliveredAt).toBe(result.deliveredAt);
      const rod = await w.db.get("outbox", `rod_${stored.endorsement!.endorsement.commitId}`);
      expect(rod).toMatchObject({ state: "done", failures: 1 });
      expect(rod?.lastError?.code).toBe("delivery_failed");
      expect(flakyEvents.filter((t) => t === "deliver_failed")).toHaveLength(1);
      expect(flakyEvents.filter((t) => t === "order_delivered")).toHaveLength(1);
      expect(await availableMicros(w)).toBe(parseMoney(before!.available).micros - ONE_CENT);
      // The vendor is paid once at settlement, and the shopper's balance drops by exactly the amount.
      const report = await flakyShop.settle();
      expect(report.byBroker).toEqual([result.orderDigest]);
      expect((await flakyShop.settle()).byBroker).toEqual([]);
      const after = await w.paycards.balance();
      expect(parseMoney(after!.balance).micros).toBe(parseMoney(before!.balance).micros - ONE_CENT);
      await settle(w);
      expect(await historyItem(w, id)).toMatchObject({
        status: "delivered",
        registered: true,
        deliveredAt: result.deliveredAt,
      });
    });

    const deathPoints: Array<[string, string, "before" | "after"]> = [
      ["before Inquiry Payment reached the bank", INQUIRY, "before"],
      ["after the bank endorsed, before the Wallet heard", INQUIRY, "after"],
      ["before Request Order Delivery reached the shop", ROD, "before"],
      ["after the shop delivered, before the Wallet heard", ROD, "after"],
      ["before Register Order reached the host", REGISTER_ORDER, "before"],
    ];

    it.each(deathPoints)(
      "a worker dying %s: the next one finishes the same purchase with one hold",
      async (_when, path, stage) => {
        const before = await availableMicros(w);
        const death = fault(path, stage, "hang");
        const dying = await restart(w);
        const id = await dying.engine.startPurchase(shop.url, "article-2");
        await dying.engine.decide(id, true);
        await death.hit;
        // The salt was in IndexedDB, with the purchase and its Inquiry Payment, before that was sent.
        const salt = (await dying.purchases.get(id)).payerSalt!;
        expect(salt).toBeDefined();
        // The dying worker holds that request forever; the next worker starts from IndexedDB alone.
        w = await restart(dying);
        const result = await w.engine.outcome(id, shop.url);
        expect(result.status).toBe("delivered");
        await settle(w);
        const stored = await w.purchases.get(id);
        expect(stored).toMatchObject({ status: "delivered", registered: true, payerSalt: salt });
        // The next worker sent the same salt: the bank's tag opens with it, and Register Order carried it.
        const walletId = (await w.db.get("meta", "wallet"))!.walletId;
        expect(stored.endorsement?.endorsement.payerTag).toBe(payerTag(walletId, salt));
        const registered = wire.filter(
          (r) => r.url.endsWith(REGISTER_ORDER) && r.body.includes(stored.orderDigest),
        );
        expect(registered.length).toBeGreaterThan(0);
        for (const r of registered) expect(r.body).toContain(salt);
        const asked = wire.filter((r) => r.url.endsWith(INQUIRY) && r.body.includes(stored.orderDigest));
        expect(asked.length).toBeGreaterThan(0);
        for (const r of asked) expect(JSON.parse(r.body).body.payerSalt).toBe(salt);
        expect(await availableMicros(w)).toBe(before - ONE_CENT);
        expect((await hostStatus(result.orderDigest)).order?.from).toBe(
          (await w.db.get("meta", "wallet"))!.walletId,
        );
      },
    );
  });

  describe("receipts", () => {
    it("restore: the page's own shop re-delivers a bought item; nothing is charged, no history row", async () => {
      const before = await availableMicros(w);
      const rows = (await w.handlers["history.page"]({ limit: 100 })).items.length;
      const reply = await routeWalletMessage(
        w.handlers,
        { quickpay: 1, name: "page.restore", params: { itemId: "article-1" } },
        page(shop.url),
      );
      expect(reply.ok).toBe(true);
      const restored = reply.ok
        ? (reply.result as { status: string; orderDigest: string; content: { body: string } })
        : undefined;
      expect(restored).toMatchObject({ status: "restored", orderDigest: firstPurchase.digest });
      expect(restored?.content.body).toContain("The vote was 5 to 4");
      expect(await availableMicros(w)).toBe(before);
      expect((await w.handlers["history.page"]({ limit: 100 })).items).toHaveLength(rows);
    });

    it("restore answers null for an item never bought, and only the item's own shop sees its receipt", async () => {
      expect(await w.receipts.restore(shop.url, "article-3")).toBeNull();
      // Another vendor's page asking for the same item id gets nothing of this shop's receipts.
      expect(await w.receipts.restore(otherShop.url, "article-1")).toBeNull();
      expect(await failure(w.receipts.restore("http://127.0.0.1:1", "article-1"))).toBe("not_a_vendor");
    });

    it("buying a bought item again: the window says when, and 'Open my copy' answers from the receipt", async () => {
      const before = await availableMicros(w);
      const id = await w.engine.startPurchase(shop.url, "article-1");
      const view = await w.engine.confirmation(id);
      const first = await w.purchases.get(firstPurchase.id);
      expect(view.boughtBefore).toMatchObject({
        purchaseId: firstPurchase.id,
        deliveredAt: first.receipt!.deliveredAt,
        amount: first.signedOrder.order.amount,
      });
      await w.handlers["confirm.useReceipt"]({ id });
      const result = await w.engine.outcome(id, shop.url);
      expect(result).toMatchObject({
        status: "restored",
        orderDigest: firstPurchase.digest,
        deliveredAt: first.receipt!.deliveredAt,
      });
      expect(result.content.body).toContain("The vote was 5 to 4");
      expect(await availableMicros(w)).toBe(before);
      expect(await historyItem(w, id)).toMatchObject({
        status: "restored",
        deliveredAt: first.receipt!.deliveredAt,
      });
      // Answered: approving now changes nothing.
      await w.engine.decide(id, true);
      expect((await w.purchases.get(id)).status).toBe("restored");
    });
  });

  describe("outcomes without goods", () => {
    let vendor: TestVendor;

    beforeAll(async () => {
      vendor = await startTestVendor(host.url, [
        testItem("round-1"),
        testItem("round-2"),
        testItem("round-3"),
      ]);
    });
    afterAll(async () => {
      await vendor?.close().catch(() => undefined);
    });

    it("the shop refusing for good after the bank endorsed: not charged, with the reason in words", async () => {
      const id = await w.engine.startPurchase(vendor.url, "round-1");
      vendor.withdraw("round-1");
      await w.engine.decide(id, true);
      expect(await failure(w.engine.outcome(id, vendor.url))).toBe("not_charged");
      const final = await routeWalletMessage(
        w.handlers,
        { quickpay: 1, name: "page.awaitPay", params: { purchaseId: id } },
        page(vendor.url),
      );
      expect(final).toMatchObject({ ok: false, error: { code: "not_charged" } });
      expect(!final.ok && final.error.message).toBe(`${wordsFor("not_charged")} ${wordsFor("not_found")}`);
      expect(await historyItem(w, id)).toMatchObject({
        status: "not_charged",
        reasonCode: "not_found",
        reason: wordsFor("not_found"),
      });
      expect((await w.purchases.get(id)).endorsement).toBeDefined();
    });

    it("a shop that never answers again: waiting, then a week after the endorsement expired, failed in words", async () => {
      const id = await w.engine.startPurchase(vendor.url, "round-2");
      await vendor.close();
      await w.engine.decide(id, true);
      expect(await w.engine.awaitPurchase(id, vendor.url, "paying")).toMatchObject({
        progress: { state: "waiting_for_shop" },
      });
      const endorsement = (await w.purchases.get(id)).endorsement!;
      skewMs = Date.parse(endorsement.endorsement.expiresAt) + 8 * 24 * 60 * 60_000 - Date.now();
      try {
        await w.outbox.drain({ all: true });
        expect(await failure(w.engine.outcome(id, vendor.url))).toBe("vendor_unreachable");
      } finally {
        skewMs = 0;
      }
      expect(await historyItem(w, id)).toMatchObject({
        status: "failed",
        reasonCode: "vendor_unreachable",
        reason: walletWords.shopNeverAnswered,
      });
    });

    it("not enough money: failed before anything was held, the page told in words", async () => {
      const poor = await restart(undefined, `${dbName}-poor`);
      const carol = bank.accounts[2]!;
      const step = await poor.paycards.beginAdd("demo-bank");
      await poor.paycards.answer("demo-bank", step.sessionId, {
        accountNumber: carol.accountNumber,
        pin: carol.pin,
      });
      const id = await poor.engine.startPurchase(shop.url, "article-3");
      await poor.engine.decide(id, true);
      let reply = await routeWalletMessage(
        poor.handlers,
        { quickpay: 1, name: "page.awaitPay", params: { purchaseId: id, after: "paying" } },
        page(shop.url),
      );
      while (reply.ok) {
        reply = await routeWalletMessage(
          poor.handlers,
          { quickpay: 1, name: "page.awaitPay", params: { purchaseId: id, after: "paying" } },
          page(shop.url),
        );
      }
      expect(reply.error).toMatchObject({
        code: "insufficient_funds",
        message: wordsFor("insufficient_funds"),
      });
      expect(await historyItem(poor, id)).toMatchObject({
        status: "failed",
        reasonCode: "insufficient_funds",
        reason: wordsFor("insufficient_funds"),
      });
      void poor.stop();
    });
  });

  describe("the confirmation queue", () => {
    it("thirty concurrent pay calls from one page: one window, queued in the order asked, the rest refused in words", async () => {
      const many = await restart(undefined, `${dbName}-queue`);
      const step = await many.paycards.beginAdd("demo-bank");
      await many.paycards.answer("demo-bank", step.sessionId, {
        accountNumber: account().accountNumber,
        pin: account().pin,
      });
      const windowsBefore = opened.length;
      const results = await Promise.all(
        Array.from({ length: 30 }, () =>
          many.engine.startPurchase(shop.url, "article-1").then(
            (id) => ({ id }),
            (e: QuickPayError) => ({ code: e.code, words: (e.details as { words?: string }).words }),
          ),
        ),
      );
      expect(opened.length - windowsBefore).toBe(1);
      const ids = results.flatMap((r) => ("id" in r ? [r.id] : []));
      expect(ids).toHaveLength(MAX_WAITING_PER_ORIGIN);
      expect(results.filter((r) => "code" in r)).toEqual(
        Array.from({ length: 30 - MAX_WAITING_PER_ORIGIN }, () => ({
          code: "rate_limited",
          words: `This site already has ${MAX_WAITING_PER_ORIGIN} payment requests waiting in your Wallet. Answer those first.`,
        })),
      );
      // One window for all of them, and the queue in the order the calls were made.
      const windowIds = await Promise.all(ids.map(async (id) => (await many.purchases.get(id)).windowId));
      expect(new Set(windowIds).size).toBe(1);
      expect((await many.queue.view()).ids).toEqual(ids);
      await many.queue.declineAll();
      for (const id of ids) expect(await failure(many.engine.outcome(id))).toBe("declined");
    });

    it("approving with another Paycard pays with it for this purchase only; an unknown card changes nothing", async () => {
      const two = await restart(undefined, `${dbName}-two-cards`);
      const bob = bank.accounts[1]!;
      for (const [who, makeActive] of [
        [account(), true],
        [bob, false],
      ] as const) {
        const step = await two.paycards.beginAdd("demo-bank");
        await two.paycards.answer(
          "demo-bank",
          step.sessionId,
          { accountNumber: who.accountNumber, pin: who.pin },
          { makeActive },
        );
      }
      const [first, second] = await two.paycards.list();
      expect(first!.active).toBe(true);
      const id = await two.engine.startPurchase(shop.url, "article-2");
      const view = await two.engine.confirmation(id);
      expect(view.paycardId).toBe(first!.paycardId);
      expect(view.paycards.map((c) => c.paycardId)).toEqual([first!.paycardId, second!.paycardId]);
      expect(await failure(two.engine.decide(id, true, { paycardId: "pc-nope" }))).toBe("no_paycard");
      expect((await two.purchases.get(id)).status).toBe("confirming");
      await two.engine.decide(id, true, { paycardId: second!.paycardId });
      expect((await two.engine.outcome(id)).status).toBe("delivered");
      expect((await two.purchases.get(id)).paycardId).toBe(second!.paycardId);
      expect((await two.paycards.active()).paycardId).toBe(first!.paycardId);
      expect(await two.queue.next()).toBeNull();
    });
  });

  describe("history", () => {
    it("pages every attempt newest first, 25 at a time by default, stable while new attempts arrive", async () => {
      for (let i = 0; i < HISTORY_PAGE_SIZE + 2; i++) {
        const id = await w.engine.startPurchase(shop.url, "article-3");
        await w.engine.decide(id, false);
      }
      const all = await w.db.getAll("purchases");
      expect(all.length).toBeGreaterThan(HISTORY_PAGE_SIZE);
      const first = await w.handlers["history.page"]({});
      expect(first.items).toHaveLength(HISTORY_PAGE_SIZE);
      expect(first.next).not.toBeNull();
      // A newer attempt in between does not shift the older pages.
      const newer = await w.engine.startPurchase(shop.url, "article-3");
      await w.engine.decide(newer, false);
      const seen = [...first.items];
      let cursor = first.next;
      while (cursor) {
        const next = await w.handlers["history.page"]({ before: cursor, limit: 10 });
        expect(next.items.length).toBeLessThanOrEqual(10);
        seen.push(...next.items);
        cursor = next.next;
      }
      const ids = seen.map((i) => i.purchaseId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).not.toContain(newer);
      expect(ids.sort()).toEqual(all.map((p) => p.id).sort());
      const times = seen.map((i) => i.createdAt);
      expect([...times].sort().reverse()).toEqual(times);
      expect((await w.handlers["history.page"]({ limit: 1 })).items[0]?.purchaseId).toBe(newer);
      // Every attempt is there with its status, and a reason where one is owed.
      const statuses = new Set(seen.map((i) => i.status));
      for (const s of ["delivered", "declined", "failed", "not_charged", "restored"] as const) {
        expect(statuses).toContain(s);
      }
      for (const i of seen) {
        if (["declined", "failed", "not_charged"].includes(i.status)) expect(i.reason).toBeTruthy();
      }
    });

    it("refuses a cursor it did not make", async () => {
      const reply = await routeWalletMessage(
        w.handlers,
        { quickpay: 1, name: "history.page", params: { before: "yesterday" } },
        { kind: "ui" },
      );
      expect(reply).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    });
  });
});

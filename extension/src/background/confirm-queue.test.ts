/**
 * The confirmation queue against a real (fake-indexeddb) database and a fake browser whose windows
 * open slowly: thirty concurrent requests get one window, in the order they were made; closing
 * declines the whole queue and starts the cool-down; a restarted worker finds its window.
 */
import "fake-indexeddb/auto";
import type { SignedOrder } from "@quickpay/protocol";
import { QuickPayError } from "@quickpay/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ConfirmQueue,
  type ConfirmWindows,
  DECLINE_COOLDOWN_MS,
  MAX_WAITING_PER_ORIGIN,
} from "./confirm-queue";
import { openWalletDb, type StoredPurchase, type WalletDatabase } from "./db";
import { Purchases } from "./purchases";

const SHOP = "http://127.0.0.1:4100";
const OTHER = "http://127.0.0.1:4200";

/** A browser whose windows take a few ms to open, as real ones do: where the old race lived. */
class FakeWindows implements ConfirmWindows {
  readonly opened: { windowId: number; purchaseId: string }[] = [];
  readonly open_ = new Set<number>();
  /** Windows that show the confirmation page (what runtime.getContexts reports). */
  readonly pages = new Set<number>();
  readonly focused: number[] = [];
  private next = 1;

  async open(purchaseId: string): Promise<number> {
    await pause(5);
    const windowId = this.next++;
    this.opened.push({ windowId, purchaseId });
    this.open_.add(windowId);
    this.pages.add(windowId);
    return windowId;
  }
  async isOpen(windowId: number) {
    return this.open_.has(windowId);
  }
  async showing() {
    return [...this.pages].filter((id) => this.open_.has(id));
  }
  async focus(windowId: number) {
    this.focused.push(windowId);
  }
  async close(windowId: number) {
    this.open_.delete(windowId);
    this.pages.delete(windowId);
  }
  /** The shopper closes it (the browser's onRemoved follows). */
  shopperCloses(windowId: number) {
    this.open_.delete(windowId);
    this.pages.delete(windowId);
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let db: WalletDatabase;
let windows: FakeWindows;
let clock: number;
let n = 0;

function makeQueue(over: Partial<ConstructorParameters<typeof ConfirmQueue>[0]> = {}) {
  const now = () => new Date(clock);
  const purchases = new Purchases(db, now);
  return { queue: new ConfirmQueue({ db, purchases, windows, now, ...over }), purchases };
}

function purchase(origin: string, queueOrder: number, itemId = "article-1"): StoredPurchase {
  const id = `0190a000-0000-7000-8000-${String(++n).padStart(12, "0")}`;
  const at = new Date(clock).toISOString();
  return {
    id,
    origin,
    itemId,
    vendorId: `v_${"b".repeat(32)}`,
    vendor: { id: `v_${"b".repeat(32)}`, name: "The Daily Cent", endpoint: `${origin}/quickpay` },
    signedOrder: { order: { description: itemId } } as unknown as SignedOrder,
    orderDigest: "d".repeat(64),
    paycardId: "pc-1",
    moduleId: "demo-bank",
    inquiryMessageId: `m${id.replace(/-/g, "")}`,
    status: "confirming",
    queueOrder,
    deliveryFailures: 0,
    registered: false,
    createdAt: at,
    updatedAt: at,
  };
}

/** What the engine does for one `pay` call: a place taken at once, Get Order (slow), then the queue. */
async function pay(queue: ConfirmQueue, origin: string, itemId: string, getOrderMs: number) {
  const order = queue.arrival();
  await queue.precheck(origin);
  await pause(getOrderMs);
  const p = purchase(origin, order, itemId);
  await queue.enqueue(p);
  return p.id;
}

async function codeOf(promise: Promise<unknown>) {
  try {
    await promise;
    return "resolved";
  } catch (e) {
    return e instanceof QuickPayError ? e.code : String(e);
  }
}

beforeEach(async () => {
  db = await openWalletDb(`confirm-queue-${Date.now()}-${Math.random()}`);
  windows = new FakeWindows();
  clock = Date.parse("2026-03-05T14:05:00.000Z");
});
afterEach(() => db.close());

describe("the confirmation queue", () => {
  it("thirty concurrent requests from one page: one window, requests shown in the order made, the rest refused in words", async () => {
    const { queue } = makeQueue();
    // Get Order answers in an order unrelated to the clicks: the first click's order arrives last.
    const calls = Array.from({ length: 30 }, (_, i) =>
      pay(queue, SHOP, `article-${i}`, (30 - i) % 7).then(
        (id) => ({ id, i }),
        (e: unknown) => ({ error: e as QuickPayError, i }),
      ),
    );
    const results = await Promise.all(calls);
    expect(windows.opened).toHaveLength(1);
    const queued = results.filter((r): r is { id: string; i: number } => "id" in r);
    const refused = results.filter((r): r is { error: QuickPayError; i: number } => "error" in r);
    expect(queued).toHaveLength(MAX_WAITING_PER_ORIGIN);
    expect(refused).toHaveLength(30 - MAX_WAITING_PER_ORIGIN);
    for (const r of refused) {
      expect(r.error.code).toBe("rate_limited");
      expect((r.error.details as { reason: string }).reason).toBe("queue_full");
      expect((r.error.details as { words: string }).words).toMatch(
        /already has \d+ payment requests waiting/,
      );
    }
    const { ids } = await queue.view();
    // Shown in the order the requests were made (arrival), not the order Get Order answered in.
    const byArrival = [...queued].sort((a, b) => a.i - b.i).map((r) => r.id);
    expect(ids).toEqual(byArrival);
    const windowId = windows.opened[0]!.windowId;
    for (const id of ids) expect((await db.get("purchases", id))?.windowId).toBe(windowId);
    expect(await db.get("confirmations", "window")).toMatchObject({ key: "window", windowId });
  });

  it("requests of several pages share the one window; each page has its own limit", async () => {
    const { queue } = makeQueue({ maxPerOrigin: 2 });
    const a = await pay(queue, SHOP, "a", 0);
    const b = await pay(queue, OTHER, "b", 0);
    const c = await pay(queue, SHOP, "c", 0);
    expect(await codeOf(pay(queue, SHOP, "d", 0))).toBe("rate_limited");
    await pay(queue, OTHER, "e", 0);
    expect(windows.opened).toHaveLength(1);
    // A request joining the open window brings it to the front.
    expect(windows.focused.length).toBeGreaterThan(0);
    expect((await queue.view()).ids.slice(0, 3)).toEqual([a, b, c]);
  });

  it("answering moves to the next request; the empty queue closes its window, and the next request gets a new one", async () => {
    const { queue } = makeQueue();
    const first = await pay(queue, SHOP, "a", 0);
    const second = await pay(queue, SHOP, "b", 0);
    await queue.decline(first);
    expect((await db.get("purchases", first))?.status).toBe("declined");
    expect(await queue.next()).toBe(second);
    expect(windows.open_.size).toBe(1);
    await db.put("purchases", { ...(await db.get("purchases", second))!, status: "paying" });
    expect(await queue.next()).toBeNull();
    expect(windows.open_.size).toBe(0);
    expect(await db.get("confirmations", "window")).toBeUndefined();
    // The decline's cool-down has passed: the page may ask again, and gets a window of its own.
    clock += DECLINE_COOLDOWN_MS + 1;
    await pay(queue, SHOP, "c", 0);
    expect(windows.opened).toHaveLength(2);
  });

  it("closing the window declines every request in it, shown or not, and each page waits out its cool-down", async () => {
    const { queue } = makeQueue();
    const ids = [
      await pay(queue, SHOP, "a", 0),
      await pay(queue, SHOP, "b", 0),
      await pay(queue, OTHER, "c", 0),
    ];
    const windowId = windows.opened[0]!.windowId;
    windows.shopperCloses(windowId);
    await queue.windowClosed(windowId);
    for (const id of ids) {
      expect(await db.get("purchases", id)).toMatchObject({
        status: "declined",
        error: { code: "declined" },
      });
    }
    for (const origin of [SHOP, OTHER]) {
      const refused = await pay(queue, origin, "again", 0).catch((e: unknown) => e as QuickPayError);
      expect(refused).toBeInstanceOf(QuickPayError);
      expect((refused as QuickPayError).code).toBe("rate_limited");
      expect((refused as QuickPayError).details).toMatchObject({
        reason: "cooldown",
        retryAfterMs: DECLINE_COOLDOWN_MS,
        words: "You just declined a payment on this site. It can ask again in 3 seconds.",
      });
    }
    expect(windows.opened).toHaveLength(1);
    clock += DECLINE_COOLDOWN_MS;
    await pay(queue, SHOP, "later", 0);
    expect(windows.opened).toHaveLength(2);
  });

  it("a decline that lands while a page's Get Order is under way still stops that request", async () => {
    const { queue } = makeQueue();
    const first = await pay(queue, SHOP, "a", 0);
    const late = pay(queue, SHOP, "b", 20);
    await pause(2);
    await queue.decline(first);
    expect(await codeOf(late)).toBe("rate_limited");
    expect((await queue.view()).ids).toEqual([]);
  });

  it("a window closing that the queue no longer uses changes nothing", async () => {
    const { queue } = makeQueue();
    const id = await pay(queue, SHOP, "a", 0);
    await queue.windowClosed(999);
    expect((await db.get("purchases", id))?.status).toBe("confirming");
  });

  it("a restarted worker keeps the queue in the window still open and opens no other", async () => {
    const { queue } = makeQueue();
    const id = await pay(queue, SHOP, "a", 0);
    const next = makeQueue().queue;
    await next.resume();
    await pay(next, SHOP, "b", 0);
    expect(windows.opened).toHaveLength(1);
    expect((await next.view()).ids[0]).toBe(id);
  });

  it("a restarted worker finds a window its predecessor opened but never recorded", async () => {
    const { queue } = makeQueue();
    await pay(queue, SHOP, "a", 0);
    // The old worker died after windows.create and before writing the window down.
    await db.delete("confirmations", "window");
    const next = makeQueue().queue;
    await next.resume();
    await pay(next, SHOP, "b", 0);
    expect(windows.opened).toHaveLength(1);
    expect(await db.get("confirmations", "window")).toMatchObject({ windowId: windows.opened[0]!.windowId });
  });

  it("a window closed while no worker ran: what it showed is declined, and no window reopens", async () => {
    const { queue } = makeQueue();
    const id = await pay(queue, SHOP, "a", 0);
    windows.shopperCloses(windows.opened[0]!.windowId);
    await makeQueue().queue.resume();
    expect((await db.get("purchases", id))?.status).toBe("declined");
    expect(windows.opened).toHaveLength(1);
  });

  it("a request stored by a worker that died before opening its window gets one on the next start", async () => {
    const { queue, purchases } = makeQueue();
    const p = purchase(SHOP, queue.arrival());
    await purchases.put(p);
    await makeQueue().queue.resume();
    expect(windows.opened).toEqual([{ windowId: 1, purchaseId: p.id }]);
  });

  it("the window's long poll answers at once on a new version and at the next change otherwise", async () => {
    const { queue } = makeQueue({ pollMs: 2_000 });
    expect(await queue.watch("stale")).toEqual({ ids: [], version: "" });
    const waiting = queue.watch("");
    const id = await pay(queue, SHOP, "a", 0);
    expect(await waiting).toEqual({ ids: [id], version: id });
    const quiet = makeQueue({ pollMs: 30 }).queue;
    expect(await quiet.watch(id)).toEqual({ ids: [id], version: id });
  });

  it("a window the browser would not open leaves no request waiting unseen", async () => {
    const { queue } = makeQueue();
    windows.open = async () => {
      throw new Error("windows.create failed");
    };
    const order = queue.arrival();
    const p = purchase(SHOP, order);
    expect(await codeOf(queue.enqueue(p))).toBe("Error: windows.create failed");
    expect(await db.get("purchases", p.id)).toMatchObject({ status: "failed", error: { code: "internal" } });
    expect((await queue.view()).ids).toEqual([]);
  });
});

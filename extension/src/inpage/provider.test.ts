/**
 * The page ↔ content-script protocol with both real halves wired through one window-like event
 * target: `window.quickpay` requests reach the bridge, answers and errors come back, a request made
 * before the (asynchronously loaded) bridge is up waits for it, a pay request's progress arrives as
 * `quickpay:progress` events while it is open, and `restore` answers with the goods or null.
 */
import {
  type PayProgressEvent,
  type PayResult,
  PROGRESS_EVENT,
  QuickPayError,
  type QuickPayProvider,
  WALLET_TO_PAGE,
} from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { installBridge, type WalletPort } from "../content/bridge";
import { installProvider } from "./provider";

/** Just enough of `window` for both scripts: events, postMessage to itself, <html>, crypto. */
function fakeWindow() {
  const target = new EventTarget() as EventTarget & Record<string, unknown>;
  const attributes = new Set<string>();
  Object.assign(target, {
    location: { origin: "http://127.0.0.1:7702" },
    crypto: globalThis.crypto,
    document: {
      documentElement: {
        hasAttribute: (n: string) => attributes.has(n),
        setAttribute: (n: string) => attributes.add(n),
      },
      addEventListener: () => undefined,
    },
    postMessage(data: unknown) {
      // Like the browser: delivered later, with the window itself as the source.
      // (Node's MessageEvent only accepts a MessagePort as source, so the event is built by hand.)
      queueMicrotask(() =>
        target.dispatchEvent(Object.assign(new Event("message"), { data, source: target })),
      );
    },
  });
  return target as unknown as Window & { quickpay?: QuickPayProvider };
}

const delivered: PayResult = {
  status: "delivered",
  orderDigest: "b".repeat(64),
  description: "Article",
  amount: { currency: "USD", value: "0.01" },
  content: { mediaType: "text/html", body: "<p>paid</p>" },
  deliveredAt: "2026-12-02T10:00:00.000Z",
};

const port: WalletPort = {
  getInfo: async () => ({ name: "QuickPay Wallet", version: "0.1.0", walletId: null }),
  startPay: async (itemId) => {
    if (itemId === "nope") throw new QuickPayError("not_a_vendor", "not a vendor");
    return { purchaseId: "purchase-0123456789" };
  },
  awaitPay: async (_purchaseId, after) =>
    after === undefined
      ? { progress: { state: "confirming", message: "Confirm it in your Wallet." } }
      : after === "confirming"
        ? { progress: { state: "waiting_for_shop", message: "Paid, waiting for the shop." } }
        : { result: delivered },
  restore: async (itemId) => (itemId === "bought" ? { ...delivered, status: "restored" } : null),
};

function progressEvents(win: Window): PayProgressEvent[] {
  const seen: PayProgressEvent[] = [];
  win.addEventListener(PROGRESS_EVENT, (e) => seen.push((e as CustomEvent<PayProgressEvent>).detail));
  return seen;
}

describe("window.quickpay through the content-script bridge", () => {
  it("defines window.quickpay, announces it, and answers discovery requests", () => {
    const win = fakeWindow();
    const announced: unknown[] = [];
    win.addEventListener("quickpay:announceProvider", (e) => announced.push((e as CustomEvent).detail));
    const provider = installProvider(win);
    expect(win.quickpay).toBe(provider);
    expect(provider.isQuickPay).toBe(true);
    expect(provider.info.uuid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    win.dispatchEvent(new Event("quickpay:requestProvider"));
    expect(announced).toEqual([provider, provider]);
  });

  it("a request made before the bridge loaded waits for it, then gets the answer", async () => {
    const win = fakeWindow();
    const provider = installProvider(win);
    const pay = provider.request({ method: "pay", params: { itemId: "article-1" } });
    installBridge(win, port);
    await expect(pay).resolves.toEqual(delivered);
    await expect(provider.request({ method: "getInfo" })).resolves.toMatchObject({ walletId: null });
  });

  it("errors reach the page as an Error with the stable code", async () => {
    const win = fakeWindow();
    installBridge(win, port);
    const provider = installProvider(win);
    await expect(provider.request({ method: "pay", params: { itemId: "nope" } })).rejects.toMatchObject({
      code: "not_a_vendor",
      message: "not a vendor",
    });
    const bad = provider.request({ method: "pay", params: { itemId: "no spaces" } } as never);
    await expect(bad).rejects.toMatchObject({ code: "invalid_request" });
  });

  it("tells the page a pay request's progress while it is open, naming the item", async () => {
    const win = fakeWindow();
    installBridge(win, port);
    const provider = installProvider(win);
    const seen = progressEvents(win);
    await expect(provider.request({ method: "pay", params: { itemId: "article-1" } })).resolves.toEqual(
      delivered,
    );
    expect(seen).toEqual([
      { itemId: "article-1", state: "confirming", message: "Confirm it in your Wallet." },
      { itemId: "article-1", state: "waiting_for_shop", message: "Paid, waiting for the shop." },
    ]);
  });

  it("ignores progress for a request that is closed, not a pay request, or malformed", async () => {
    const win = fakeWindow();
    installBridge(win, port);
    const provider = installProvider(win);
    const seen = progressEvents(win);
    const post = (data: object) =>
      win.dispatchEvent(
        Object.assign(new Event("message"), { data: { channel: WALLET_TO_PAGE, ...data }, source: win }),
      );
    await provider.request({ method: "pay", params: { itemId: "article-1" } });
    seen.length = 0;
    post({ requestId: "0".repeat(32), progress: { state: "paying", message: "late" } });
    const info = provider.request({ method: "getInfo" });
    await info;
    expect(seen).toEqual([]);
    const bad = { state: "teleporting", message: "?" };
    post({ requestId: "1".repeat(32), progress: bad });
    expect(seen).toEqual([]);
  });

  it("restore answers with the goods for a bought item and null otherwise", async () => {
    const win = fakeWindow();
    installBridge(win, port);
    const provider = installProvider(win);
    await expect(
      provider.request({ method: "restore", params: { itemId: "bought" } }),
    ).resolves.toMatchObject({
      status: "restored",
      content: delivered.content,
    });
    await expect(
      provider.request({ method: "restore", params: { itemId: "not-bought" } }),
    ).resolves.toBeNull();
  });
});

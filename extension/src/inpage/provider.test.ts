/**
 * The page ↔ content-script protocol with both real halves wired through one window-like event
 * target: `window.quickpay` requests reach the bridge, answers and errors come back, a request made
 * before the (asynchronously loaded) bridge is up waits for it, a pay request's progress arrives as
 * `quickpay:progress` events while it is open, and `restore` answers with the goods or null.
 */
import {
  type PageErrorCode,
  type PayProgressEvent,
  type PayResult,
  PROGRESS_EVENT,
  pageErrorCodes,
  QUICKPAY_WALLET_RDNS,
  QuickPayError,
  type QuickPayProvider,
  WALLET_TO_PAGE,
  type WalletAnnouncement,
  wordsFor,
} from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { installBridge, type WalletPort } from "../content/bridge";
import { QUICKPAY_ICON_DATA_URI } from "./icon";
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
    const announced: WalletAnnouncement[] = [];
    win.addEventListener("quickpay:announceProvider", (e) => announced.push((e as CustomEvent).detail));
    const provider = installProvider(win);
    expect(win.quickpay).toBe(provider);
    expect(provider.isQuickPay).toBe(true);
    expect(provider.info).toEqual({
      uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      name: "QuickPay Wallet",
      icon: QUICKPAY_ICON_DATA_URI,
      rdns: QUICKPAY_WALLET_RDNS,
    });
    win.dispatchEvent(new Event("quickpay:requestProvider"));
    // EIP-6963: `{ info, provider }`, the same frozen detail each time.
    expect(announced).toHaveLength(2);
    expect(announced[0]).toBe(announced[1]);
    expect(announced[0]).toEqual({ info: provider.info, provider });
    expect(Object.isFrozen(announced[0])).toBe(true);
  });

  it("coexists with a second wallet: keeps the first window.quickpay, still announces itself", () => {
    const win = fakeWindow();
    const announced: WalletAnnouncement[] = [];
    win.addEventListener("quickpay:announceProvider", (e) => announced.push((e as CustomEvent).detail));
    const first = installProvider(win);
    const second = installProvider(win);
    expect(win.quickpay).toBe(first);
    announced.length = 0;
    win.dispatchEvent(new Event("quickpay:requestProvider"));
    expect(announced.map((a) => a.provider)).toEqual([first, second]);
    expect(new Set(announced.map((a) => a.info.uuid)).size).toBe(2);
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
    // A malformed request is the page's own mistake: `internal`, with words, and nothing else.
    const bad = provider.request({ method: "pay", params: { itemId: "no spaces" } } as never);
    await expect(bad).rejects.toMatchObject({ code: "internal", message: wordsFor("invalid_request") });
    await expect(bad).rejects.toBeInstanceOf(Error);
  });

  it("maps the Wallet's internal codes onto the page's set and never passes on technical detail", async () => {
    const win = fakeWindow();
    const failing = (error: Error): WalletPort => ({ ...port, startPay: async () => Promise.reject(error) });
    const cases: Array<[Error, PageErrorCode, string]> = [
      [new QuickPayError("wallet_locked", wordsFor("wallet_locked")), "locked", wordsFor("wallet_locked")],
      [
        new QuickPayError("broker_unreachable", wordsFor("broker_unreachable")),
        "broker_unavailable",
        wordsFor("broker_unreachable"),
      ],
      [
        new QuickPayError("vendor_unreachable", wordsFor("vendor_unreachable")),
        "internal",
        wordsFor("vendor_unreachable"),
      ],
      [new TypeError("secret stack at chrome-extension://abc/x.js:1"), "internal", wordsFor("internal")],
    ];
    for (const [error, code, message] of cases) {
      const w = fakeWindow();
      installBridge(w, failing(error));
      const provider = installProvider(w);
      const rejected = await provider.request({ method: "pay", params: { itemId: "a-1" } }).catch((e) => e);
      expect(rejected).toMatchObject({ code, message });
      expect(pageErrorCodes).toContain(rejected.code);
    }
    // A reply with a code outside the set (say, forged by a page script) still reads as one of the set.
    win.document.documentElement.setAttribute("data-quickpay-bridge", "");
    win.addEventListener("message", (e) => {
      const data = (e as MessageEvent).data as { channel?: string; requestId?: string };
      if (data.channel !== "quickpay:page-request") return;
      win.postMessage(
        { channel: WALLET_TO_PAGE, requestId: data.requestId, error: { code: "db_corrupt", message: "m" } },
        "*",
      );
    });
    const provider = installProvider(win);
    await expect(provider.request({ method: "getInfo" })).rejects.toMatchObject({ code: "internal" });
  });

  it("tells the page a pay request's progress while it is open, naming the item", async () => {
    const win = fakeWindow();
    installBridge(win, port);
    const provider = installProvider(win);
    const seen = progressEvents(win);
    const heard: PayProgressEvent[] = [];
    const dropped: PayProgressEvent[] = [];
    provider.on("progress", (p) => heard.push(p));
    const drop = (p: PayProgressEvent) => dropped.push(p);
    provider.on("progress", drop);
    provider.removeListener("progress", drop);
    await expect(provider.request({ method: "pay", params: { itemId: "article-1" } })).resolves.toEqual(
      delivered,
    );
    expect(heard).toEqual(seen);
    expect(dropped).toEqual([]);
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

/**
 * The page ↔ content-script protocol with both real halves wired through one window-like event
 * target: `window.quickpay` requests reach the bridge, answers and errors come back, and a request
 * made before the (asynchronously loaded) bridge is up waits for it.
 */
import { type PayResult, QuickPayError, type QuickPayProvider } from "@quickpay/protocol";
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
};

const port: WalletPort = {
  getInfo: async () => ({ name: "QuickPay Wallet", version: "0.1.0", walletId: null }),
  startPay: async (itemId) => {
    if (itemId === "nope") throw new QuickPayError("not_a_vendor", "not a vendor");
    return { purchaseId: "purchase-0123456789" };
  },
  awaitPay: async () => delivered,
};

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
});

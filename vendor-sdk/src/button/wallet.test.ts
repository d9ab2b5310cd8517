import { discoveryEvents, type QuickPayProvider } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { createWalletRegistry, DISCOVERY_EVENTS, findWallet, isProvider, type WalletWindow } from "./wallet";

/** A stand-in for a browser extension's provider; the real one is driven by the e2e journeys. */
let uuids = 0;
const provider = (name = "Test Wallet", icon = "data:image/svg+xml,%3Csvg%2F%3E"): QuickPayProvider => ({
  isQuickPay: true,
  info: {
    name,
    uuid: `00000000-0000-4000-8000-${String(++uuids).padStart(12, "0")}`,
    icon,
    rdns: `com.example.${name}`,
  },
  request: async () => {
    throw { code: "declined", message: "no" };
  },
  on: () => undefined,
  removeListener: () => undefined,
});

const pageWindow = (): WalletWindow => new EventTarget() as WalletWindow;

describe("finding the Wallet", () => {
  it("uses the protocol's discovery event names", () => {
    expect(DISCOVERY_EVENTS).toEqual(discoveryEvents);
  });

  it("takes window.quickpay when it is already there", async () => {
    const win = pageWindow();
    const wallet = provider();
    win.quickpay = wallet;
    await expect(findWallet(win, 10_000)).resolves.toBe(wallet);
  });

  it("waits for quickpay#initialized when the wallet's script arrives late", async () => {
    const win = pageWindow();
    const wallet = provider();
    const found = findWallet(win, 10_000);
    win.quickpay = wallet;
    win.dispatchEvent(new Event(DISCOVERY_EVENTS.initialized));
    await expect(found).resolves.toBe(wallet);
  });

  it("asks with quickpay:requestProvider and takes the first announce (bare or EIP-6963 detail)", async () => {
    for (const shape of ["bare", "wrapped"] as const) {
      const win = pageWindow();
      const wallet = provider(shape);
      win.addEventListener(DISCOVERY_EVENTS.request, () => {
        const detail = shape === "bare" ? wallet : { info: wallet.info, provider: wallet };
        win.dispatchEvent(new CustomEvent(DISCOVERY_EVENTS.announce, { detail }));
      });
      await expect(findWallet(win, 10_000)).resolves.toBe(wallet);
    }
  });

  it("resolves undefined when no wallet answers in time, ignoring things that are not providers", async () => {
    const win = pageWindow();
    win.quickpay = { isQuickPay: false };
    win.addEventListener(DISCOVERY_EVENTS.request, () => {
      win.dispatchEvent(new CustomEvent(DISCOVERY_EVENTS.announce, { detail: { provider: 42 } }));
    });
    await expect(findWallet(win, 20)).resolves.toBeUndefined();
    expect(isProvider({ isQuickPay: true })).toBe(false);
  });

  it("keeps every wallet that announces (EIP-6963), once each, and hears one that arrives later", async () => {
    const win = pageWindow();
    const first = provider("first");
    const second = provider("second", "https://tracker.example/icon.png");
    const announce = (p: QuickPayProvider) =>
      win.dispatchEvent(
        new CustomEvent(DISCOVERY_EVENTS.announce, { detail: { info: p.info, provider: p } }),
      );
    win.addEventListener(DISCOVERY_EVENTS.request, () => announce(first));
    const registry = createWalletRegistry(win);
    expect((await registry.find(10_000)).map((w) => w.provider)).toEqual([first]);
    announce(second);
    announce(first); // re-announced on another request: still one entry
    const found = await registry.find(10_000);
    expect(found.map((w) => w.provider)).toEqual([first, second]);
    expect(found[0]).toMatchObject({ name: "first", rdns: "com.example.first", icon: first.info.icon });
    // An icon that is not a data URI is dropped: showing it would fetch a remote address.
    expect(found[1]?.icon).toBeUndefined();
  });
});

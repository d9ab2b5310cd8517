/**
 * Finding the shopper's Wallet from a vendor page: `window.quickpay` if it is already there, else the
 * wallet's `quickpay#initialized` event or its answer to a `quickpay:requestProvider` discovery
 * request (the EIP-6963 pattern), for a short while. No DOM beyond EventTarget, so it runs in tests.
 */
import type { QuickPayProvider } from "@quickpay/protocol";

/**
 * Copies of `discoveryEvents` in `protocol/src/page-api.ts`: importing that module would pull zod
 * into a button meant to stay tiny. `wallet.test.ts` proves the two agree.
 */
export const DISCOVERY_EVENTS = {
  request: "quickpay:requestProvider",
  announce: "quickpay:announceProvider",
  initialized: "quickpay#initialized",
} as const;

/** Long enough for an extension's injected script to arrive, short enough to tell a user quickly. */
export const DEFAULT_WALLET_WAIT_MS = 1_500;

export interface WalletWindow extends EventTarget {
  quickpay?: unknown;
}

export function isProvider(value: unknown): value is QuickPayProvider {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { isQuickPay?: unknown }).isQuickPay === true &&
    typeof (value as { request?: unknown }).request === "function"
  );
}

/** An announce event's `detail` is the provider itself, or `{ info, provider }` as in EIP-6963. */
function providerFromDetail(detail: unknown): QuickPayProvider | undefined {
  if (isProvider(detail)) return detail;
  const inner = (detail as { provider?: unknown } | null)?.provider;
  return isProvider(inner) ? inner : undefined;
}

/** Resolves with the first Wallet found within `waitMs`, or undefined when there is none. */
export function findWallet(
  win: WalletWindow,
  waitMs: number = DEFAULT_WALLET_WAIT_MS,
): Promise<QuickPayProvider | undefined> {
  if (isProvider(win.quickpay)) return Promise.resolve(win.quickpay);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (provider: QuickPayProvider | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      win.removeEventListener(DISCOVERY_EVENTS.initialized, onInitialized);
      win.removeEventListener(DISCOVERY_EVENTS.announce, onAnnounce);
      resolve(provider);
    };
    const onInitialized = () => {
      if (isProvider(win.quickpay)) finish(win.quickpay);
    };
    const onAnnounce = (event: Event) => {
      const provider = providerFromDetail((event as CustomEvent).detail);
      if (provider) finish(provider);
    };
    win.addEventListener(DISCOVERY_EVENTS.initialized, onInitialized);
    win.addEventListener(DISCOVERY_EVENTS.announce, onAnnounce);
    const timer = setTimeout(() => finish(isProvider(win.quickpay) ? win.quickpay : undefined), waitMs);
    win.dispatchEvent(new Event(DISCOVERY_EVENTS.request));
  });
}

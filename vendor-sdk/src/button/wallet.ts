/**
 * Finding the shopper's wallets from a vendor page in the EIP-6963 pattern: listen for
 * `quickpay:announceProvider`, ask with `quickpay:requestProvider`, and keep every wallet that
 * answers (told apart by the uuid each announces), plus `window.quickpay`. No DOM beyond
 * EventTarget, so it runs in tests. Nothing is stored: the list lives as long as the page.
 */
import type { QuickPayProvider, WalletAnnouncementInfo } from "@quickpay/protocol";
import { discoveryEvents } from "@quickpay/protocol/page-codes";

/** The protocol's discovery event names (zod-free import, so the button stays small). */
export const DISCOVERY_EVENTS = discoveryEvents;

/** Long enough for an extension's injected script to arrive, short enough to tell a user quickly. */
export const DEFAULT_WALLET_WAIT_MS = 1_500;

export interface WalletWindow extends EventTarget {
  quickpay?: unknown;
}

/** A wallet found on the page, with what it says about itself (checked, never fetched). */
export interface FoundWallet {
  provider: QuickPayProvider;
  name: string;
  /** A `data:image/` URI, or undefined: a remote icon address would tell a server who looked. */
  icon?: string;
  rdns: string;
  uuid: string;
}

export function isProvider(value: unknown): value is QuickPayProvider {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { isQuickPay?: unknown }).isQuickPay === true &&
    typeof (value as { request?: unknown }).request === "function"
  );
}

const text = (v: unknown, max: number): string | undefined =>
  typeof v === "string" && v.trim() !== "" ? v.trim().slice(0, max) : undefined;

/** What a wallet says about itself, made safe to show: short text, and an icon only if a data URI. */
function describe(
  provider: QuickPayProvider,
  info: Partial<WalletAnnouncementInfo> | undefined,
): FoundWallet {
  const icon = typeof info?.icon === "string" && /^data:image\//.test(info.icon) ? info.icon : undefined;
  return {
    provider,
    name: text(info?.name, 60) ?? "Wallet",
    ...(icon ? { icon } : {}),
    rdns: text(info?.rdns, 100) ?? "",
    uuid: text(info?.uuid, 64) ?? "",
  };
}

/** An announce event's `detail`: `{ info, provider }` as in EIP-6963, or (older wallets) the provider. */
function walletFromDetail(detail: unknown): FoundWallet | undefined {
  if (isProvider(detail)) return describe(detail, (detail as { info?: WalletAnnouncementInfo }).info);
  const d = detail as { provider?: unknown; info?: unknown } | null;
  if (!d || !isProvider(d.provider)) return undefined;
  const info = (typeof d.info === "object" && d.info !== null ? d.info : d.provider.info) as
    | Partial<WalletAnnouncementInfo>
    | undefined;
  return describe(d.provider, info);
}

export interface WalletRegistry {
  /** Every wallet announced so far, in the order they first answered. */
  readonly wallets: readonly FoundWallet[];
  /**
   * The wallets on the page: at once when one answered already, else after the first answer or
   * `waitMs` (then an empty list). Wallets installed in the browser answer a request synchronously,
   * so once one has answered, every other one has too.
   */
  find(waitMs?: number): Promise<FoundWallet[]>;
}

/** Starts listening on `win` (for the page's lifetime) and asks every wallet to announce itself. */
export function createWalletRegistry(win: WalletWindow): WalletRegistry {
  const wallets: FoundWallet[] = [];
  const waiters = new Set<() => void>();
  const add = (found: FoundWallet | undefined) => {
    if (!found) return;
    if (wallets.some((w) => w.provider === found.provider || (found.uuid && w.uuid === found.uuid))) return;
    wallets.push(found);
    for (const wake of [...waiters]) wake();
  };
  win.addEventListener(DISCOVERY_EVENTS.announce, (event) =>
    add(walletFromDetail((event as CustomEvent).detail)),
  );
  win.addEventListener(DISCOVERY_EVENTS.initialized, () => {
    if (isProvider(win.quickpay)) add(describe(win.quickpay, win.quickpay.info));
  });
  win.dispatchEvent(new Event(DISCOVERY_EVENTS.request));
  // A wallet that sets window.quickpay but does not announce (an older one) is still found.
  if (isProvider(win.quickpay)) add(describe(win.quickpay, win.quickpay.info));

  return {
    get wallets() {
      return wallets;
    },
    find(waitMs = DEFAULT_WALLET_WAIT_MS) {
      if (wallets.length > 0) return Promise.resolve([...wallets]);
      return new Promise((resolve) => {
        const done = () => {
          waiters.delete(done);
          clearTimeout(timer);
          resolve([...wallets]);
        };
        const timer = setTimeout(done, waitMs);
        waiters.add(done);
        win.dispatchEvent(new Event(DISCOVERY_EVENTS.request));
      });
    },
  };
}

/** One registry per page window, shared by every button on it. */
const registries = new WeakMap<WalletWindow, WalletRegistry>();
export function walletRegistryFor(win: WalletWindow): WalletRegistry {
  let registry = registries.get(win);
  if (!registry) {
    registry = createWalletRegistry(win);
    registries.set(win, registry);
  }
  return registry;
}

/** Resolves with the first Wallet found within `waitMs`, or undefined when there is none. */
export async function findWallet(
  win: WalletWindow,
  waitMs: number = DEFAULT_WALLET_WAIT_MS,
): Promise<QuickPayProvider | undefined> {
  return (await walletRegistryFor(win).find(waitMs))[0]?.provider;
}

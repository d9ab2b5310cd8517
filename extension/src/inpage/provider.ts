/**
 * `window.quickpay` for vendor pages, built in the page's own (MAIN) world at document_start so it
 * exists before any page script runs. It has no access to the extension: every request goes to the
 * Wallet's content script by window.postMessage and waits for the answer with the same request id.
 * It announces itself in the EIP-6963 pattern (`quickpay:announceProvider`, again on every
 * `quickpay:requestProvider`), so a page with two wallets sees both.
 *
 * This file imports types only: crxjs loads a content script that imports a shared chunk through
 * `chrome.runtime.getURL`, which the MAIN world does not have. So the few literals it needs are
 * copied below with their protocol type as the annotation, which makes any drift a compile error.
 */
import type {
  discoveryEvents as DiscoveryEvents,
  PageErrorCode,
  PageEvents,
  PageMethodName,
  PageRequestOf,
  PageResults,
  PAGE_TO_WALLET as PageToWallet,
  PayProgressEvent,
  PROGRESS_EVENT as ProgressEventName,
  QuickPayProvider,
  QUICKPAY_WALLET_RDNS as QuickPayWalletRdns,
  WalletAnnouncement,
  WalletAnnouncementInfo,
  WALLET_TO_PAGE as WalletToPage,
} from "@quickpay/protocol";
import type {
  BRIDGE_READY_ATTRIBUTE as BridgeReadyAttribute,
  BRIDGE_READY_EVENT as BridgeReadyEvent,
} from "../content/ready-signal";
import { QUICKPAY_ICON_DATA_URI } from "./icon";

const PAGE_TO_WALLET: typeof PageToWallet = "quickpay:page-request";
const WALLET_TO_PAGE: typeof WalletToPage = "quickpay:wallet-response";
const PROGRESS_EVENT: typeof ProgressEventName = "quickpay:progress";
const RDNS: typeof QuickPayWalletRdns = "org.quickpay.wallet";
const PROGRESS_STATES: ReadonlySet<string> = new Set<PayProgressEvent["state"]>([
  "confirming",
  "paying",
  "waiting_for_shop",
]);
/** `satisfies` both ways: a code added to or dropped from `pageErrorCodes` breaks the build here. */
const PAGE_ERROR_CODES = {
  declined: true,
  not_a_vendor: true,
  insufficient_funds: true,
  locked: true,
  no_paycard: true,
  broker_unavailable: true,
  internal: true,
} as const satisfies Record<PageErrorCode, true>;
const EVENTS: typeof DiscoveryEvents = {
  request: "quickpay:requestProvider",
  announce: "quickpay:announceProvider",
  initialized: "quickpay#initialized",
};
/** Set on <html> by the content script once its listener is up (it may load after this script). */
const BRIDGE_READY_ATTRIBUTE: typeof BridgeReadyAttribute = "data-quickpay-bridge";
const BRIDGE_READY_EVENT: typeof BridgeReadyEvent = "quickpay:bridge-ready";

/** The error a request rejects with: an Error that also carries the stable page `code`. */
export class QuickPayPageError extends Error {
  override readonly name = "QuickPayError";
  readonly code: PageErrorCode;
  constructor(code: unknown, message: string) {
    super(message);
    // The bridge only sends the page's codes; anything else (a spoofed reply) reads as internal.
    this.code =
      typeof code === "string" && Object.hasOwn(PAGE_ERROR_CODES, code)
        ? (code as PageErrorCode)
        : "internal";
  }
}

function bridgeReady(win: Window): Promise<void> {
  if (win.document.documentElement?.hasAttribute(BRIDGE_READY_ATTRIBUTE)) return Promise.resolve();
  return new Promise((resolve) => win.addEventListener(BRIDGE_READY_EVENT, () => resolve(), { once: true }));
}

/** 128 random bits in hex; `crypto.randomUUID` is missing on plain-http pages (not a secure context). */
function newRequestId(win: Window): string {
  const bytes = win.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** An RFC 4122 version-4 UUID for this page load (discovery tells wallets apart by it). */
function uuidV4(win: Window): string {
  const h = newRequestId(win).split("");
  h[12] = "4";
  h[16] = "89ab"[Number.parseInt(h[16] ?? "0", 16) & 3] ?? "8";
  const s = h.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** A progress message from the bridge as the page's event detail, or undefined when it is not one. */
function progressDetail(progress: unknown, itemId: string): PayProgressEvent | undefined {
  const p = progress as { state?: unknown; message?: unknown } | null;
  if (typeof p?.state !== "string" || !PROGRESS_STATES.has(p.state) || typeof p.message !== "string") {
    return undefined;
  }
  return { itemId, state: p.state as PayProgressEvent["state"], message: p.message };
}

interface Waiter {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  /** For `pay`: the item, named in its progress events. */
  itemId?: string;
}

type Listener = (detail: PageEvents[keyof PageEvents]) => void;

export function createProvider(win: Window): QuickPayProvider {
  const pending = new Map<string, Waiter>();
  const listeners: { [E in keyof PageEvents]: Set<Listener> } = { progress: new Set() };
  const emitProgress = (detail: PayProgressEvent) => {
    win.dispatchEvent(new CustomEvent(PROGRESS_EVENT, { detail }));
    for (const listener of [...listeners.progress]) {
      try {
        listener(detail);
      } catch {
        // A page's listener that throws must not stop the others or the request.
      }
    }
  };
  win.addEventListener("message", (event: MessageEvent) => {
    if (event.source !== win) return;
    const data = event.data as {
      channel?: unknown;
      requestId?: unknown;
      result?: unknown;
      error?: unknown;
      progress?: unknown;
    };
    if (!data || data.channel !== WALLET_TO_PAGE || typeof data.requestId !== "string") return;
    const waiter = pending.get(data.requestId);
    if (!waiter) return;
    if (data.progress !== undefined) {
      // The request stays open; only a pay request that is still waiting tells the page its progress.
      const detail = waiter.itemId === undefined ? undefined : progressDetail(data.progress, waiter.itemId);
      if (detail) emitProgress(detail);
      return;
    }
    pending.delete(data.requestId);
    const error = data.error as { code?: unknown; message?: unknown } | undefined;
    if (error) waiter.reject(new QuickPayPageError(error.code, String(error.message)));
    else waiter.resolve(data.result);
  });
  const ready = bridgeReady(win);

  const info: WalletAnnouncementInfo = Object.freeze({
    uuid: uuidV4(win),
    name: "QuickPay Wallet",
    icon: QUICKPAY_ICON_DATA_URI,
    rdns: RDNS,
  });
  const provider: QuickPayProvider = Object.freeze({
    isQuickPay: true as const,
    info,
    async request<M extends PageMethodName>(
      request: PageRequestOf<M> & { method: M },
    ): Promise<PageResults[M]> {
      await ready;
      const requestId = newRequestId(win);
      const asked = (request as { params?: { itemId?: unknown } }).params?.itemId;
      const itemId = request.method === "pay" && typeof asked === "string" ? asked : undefined;
      return new Promise((resolve, reject) => {
        pending.set(requestId, {
          resolve: resolve as (v: unknown) => void,
          reject,
          ...(itemId === undefined ? {} : { itemId }),
        });
        win.postMessage(
          { channel: PAGE_TO_WALLET, requestId, request },
          win.location.origin === "null" ? "*" : win.location.origin,
        );
      });
    },
    on<E extends keyof PageEvents>(event: E, listener: (detail: PageEvents[E]) => void): void {
      if (Object.hasOwn(listeners, event)) listeners[event].add(listener as Listener);
    },
    removeListener<E extends keyof PageEvents>(event: E, listener: (detail: PageEvents[E]) => void): void {
      if (Object.hasOwn(listeners, event)) listeners[event].delete(listener as Listener);
    },
  });
  return provider;
}

/**
 * Defines `window.quickpay` (unless another wallet did) and joins discovery: announces now and on
 * every request, with the same frozen `{ info, provider }` each time.
 */
export function installProvider(win: Window): QuickPayProvider {
  const provider = createProvider(win);
  const w = win as Window & { quickpay?: QuickPayProvider };
  if (!w.quickpay) {
    Object.defineProperty(win, "quickpay", {
      value: provider,
      configurable: false,
      enumerable: true,
      writable: false,
    });
  }
  const detail: WalletAnnouncement = Object.freeze({ info: provider.info, provider });
  const announce = () => win.dispatchEvent(new CustomEvent(EVENTS.announce, { detail }));
  win.addEventListener(EVENTS.request, announce);
  announce();
  win.dispatchEvent(new Event(EVENTS.initialized));
  return provider;
}

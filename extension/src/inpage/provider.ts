/**
 * `window.quickpay` for vendor pages, built in the page's own (MAIN) world at document_start so it
 * exists before any page script runs. It has no access to the extension: every request goes to the
 * Wallet's content script by window.postMessage and waits for the answer with the same request id.
 * This file imports types only, so the bundle stays one self-contained script (no loader, no delay).
 */
import type {
  discoveryEvents as DiscoveryEvents,
  PageRequest,
  PageResults,
  PAGE_TO_WALLET as PageToWallet,
  PayProgressEvent,
  PROGRESS_EVENT as ProgressEventName,
  QuickPayProvider,
  WALLET_TO_PAGE as WalletToPage,
} from "@quickpay/protocol";
import type {
  BRIDGE_READY_ATTRIBUTE as BridgeReadyAttribute,
  BRIDGE_READY_EVENT as BridgeReadyEvent,
} from "../content/ready-signal";

// The same literals as in protocol/src/page-api.ts; the annotations make a drift a compile error.
const PAGE_TO_WALLET: typeof PageToWallet = "quickpay:page-request";
const WALLET_TO_PAGE: typeof WalletToPage = "quickpay:wallet-response";
const PROGRESS_EVENT: typeof ProgressEventName = "quickpay:progress";
const PROGRESS_STATES: ReadonlySet<string> = new Set<PayProgressEvent["state"]>([
  "confirming",
  "paying",
  "waiting_for_shop",
]);
const EVENTS: typeof DiscoveryEvents = {
  request: "quickpay:requestProvider",
  announce: "quickpay:announceProvider",
  initialized: "quickpay#initialized",
};
/** Set on <html> by the content script once its listener is up (it may load after this script). */
const BRIDGE_READY_ATTRIBUTE: typeof BridgeReadyAttribute = "data-quickpay-bridge";
const BRIDGE_READY_EVENT: typeof BridgeReadyEvent = "quickpay:bridge-ready";

/** The error a request rejects with: an Error that also carries the stable `code`. */
export class QuickPayPageError extends Error {
  override readonly name = "QuickPayError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
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

export function createProvider(win: Window): QuickPayProvider {
  const pending = new Map<string, Waiter>();
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
      if (detail) win.dispatchEvent(new CustomEvent(PROGRESS_EVENT, { detail }));
      return;
    }
    pending.delete(data.requestId);
    const error = data.error as { code?: unknown; message?: unknown } | undefined;
    if (error) waiter.reject(new QuickPayPageError(String(error.code), String(error.message)));
    else waiter.resolve(data.result);
  });
  const ready = bridgeReady(win);

  const provider: QuickPayProvider = Object.freeze({
    isQuickPay: true as const,
    info: Object.freeze({ name: "QuickPay Wallet", uuid: uuidV4(win) }),
    async request<M extends PageRequest["method"]>(
      request: Extract<PageRequest, { method: M }>,
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
  });
  return provider;
}

/** Defines `window.quickpay` (unless another wallet did) and joins the discovery protocol. */
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
  const announce = () => win.dispatchEvent(new CustomEvent(EVENTS.announce, { detail: provider }));
  win.addEventListener(EVENTS.request, announce);
  announce();
  win.dispatchEvent(new Event(EVENTS.initialized));
  return provider;
}

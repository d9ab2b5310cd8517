/**
 * The bridge between a page's `window.quickpay` and the service worker, running in the content
 * script's ISOLATED world. Validates every page message against the page API schema before it goes
 * anywhere; the page's origin is not sent: the service worker takes it from the browser.
 */
import {
  PAGE_TO_WALLET,
  PageEnvelope,
  PageRequest,
  type PayResult,
  QuickPayError,
  WALLET_TO_PAGE,
  type WalletInfo,
} from "@quickpay/protocol";
import { BRIDGE_READY_ATTRIBUTE, BRIDGE_READY_EVENT } from "./ready-signal";

export interface WalletPort {
  getInfo(): Promise<WalletInfo>;
  startPay(itemId: string): Promise<{ purchaseId: string }>;
  awaitPay(purchaseId: string): Promise<PayResult>;
}

/** How often awaiting a purchase is re-asked after the service worker went away mid-wait. */
const AWAIT_RETRIES = 5;

export async function handlePageRequest(raw: unknown, wallet: WalletPort): Promise<unknown> {
  const parsed = PageRequest.safeParse(raw);
  if (!parsed.success) {
    throw new QuickPayError(
      "invalid_request",
      `bad request: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    );
  }
  const request = parsed.data;
  if (request.method === "getInfo") return wallet.getInfo();
  const { purchaseId } = await wallet.startPay(request.params.itemId);
  for (let attempt = 0; ; attempt++) {
    try {
      return await wallet.awaitPay(purchaseId);
    } catch (error) {
      // A QuickPayError is the purchase's real outcome; anything else (WalletUnreachable: no reply at
      // all, or the browser's "message channel closed") is the service worker having been stopped.
      if (error instanceof QuickPayError || attempt >= AWAIT_RETRIES) throw error;
    }
  }
}

export function installBridge(win: Window, wallet: WalletPort): void {
  const reply = (message: object) =>
    win.postMessage(
      { channel: WALLET_TO_PAGE, ...message },
      win.location.origin === "null" ? "*" : win.location.origin,
    );
  win.addEventListener("message", (event: MessageEvent) => {
    if (event.source !== win) return;
    if ((event.data as { channel?: unknown } | null)?.channel !== PAGE_TO_WALLET) return;
    const envelope = PageEnvelope.safeParse(event.data);
    if (!envelope.success) return;
    const { requestId, request } = envelope.data;
    handlePageRequest(request, wallet).then(
      (result) => reply({ requestId, result }),
      (error: unknown) => {
        const e =
          error instanceof QuickPayError ? error : new QuickPayError("internal", (error as Error).message);
        reply({ requestId, error: { code: e.code, message: e.message } });
      },
    );
  });
  const signalReady = () => {
    win.document.documentElement?.setAttribute(BRIDGE_READY_ATTRIBUTE, "");
    win.dispatchEvent(new Event(BRIDGE_READY_EVENT));
  };
  signalReady();
  // At document_start <html> may not exist yet; say it again once it does.
  if (!win.document.documentElement)
    win.document.addEventListener("DOMContentLoaded", signalReady, { once: true });
}

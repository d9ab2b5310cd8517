/**
 * The bridge between a page's `window.quickpay` and the service worker, running in the content
 * script's ISOLATED world. Validates every page message against the page API schema before it goes
 * anywhere; the page's origin is not sent: the service worker takes it from the browser. While a
 * `pay` waits, the bridge keeps asking the worker and relays each new progress state to the page.
 */
import {
  PAGE_TO_WALLET,
  PageEnvelope,
  type PageError,
  type PageMethodName,
  type PageParams,
  PageRequest,
  type PageResults,
  type PayProgress,
  type PayResult,
  QuickPayError,
  toPageErrorCode,
  WALLET_TO_PAGE,
  type WalletInfo,
  wordsFor,
} from "@quickpay/protocol";
import { BRIDGE_READY_ATTRIBUTE, BRIDGE_READY_EVENT } from "./ready-signal";

export interface WalletPort {
  getInfo(): Promise<WalletInfo>;
  startPay(itemId: string): Promise<{ purchaseId: string }>;
  /** The worker's long poll: the result, or the progress once it differs from `after`. */
  awaitPay(
    purchaseId: string,
    after?: PayProgress["state"],
  ): Promise<{ result: PayResult } | { progress: PayProgress }>;
  restore(itemId: string): Promise<PayResult | null>;
}

/**
 * How often in a row awaiting a purchase is re-asked when no answer came back at all (the service
 * worker was stopped while it held the message). Any answer resets the count.
 */
const AWAIT_RETRIES = 5;

type PageHandlers = {
  [M in PageMethodName]: (
    params: PageParams<M>,
    wallet: WalletPort,
    onProgress: (progress: PayProgress) => void,
  ) => Promise<PageResults[M]>;
};

/** One handler per page method: a method added to `pageMethods` without one here does not compile. */
const pageHandlers = {
  getInfo: (_params, wallet) => wallet.getInfo(),
  restore: ({ itemId }, wallet) => wallet.restore(itemId),
  pay: ({ itemId }, wallet, onProgress) => payThroughWorker(itemId, wallet, onProgress),
} satisfies PageHandlers;

export async function handlePageRequest(
  raw: unknown,
  wallet: WalletPort,
  onProgress: (progress: PayProgress) => void = () => undefined,
): Promise<unknown> {
  const parsed = PageRequest.safeParse(raw);
  if (!parsed.success) {
    throw new QuickPayError("invalid_request", wordsFor("invalid_request"), {
      technical: `bad request: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    });
  }
  const { method, params } = parsed.data;
  const handler = pageHandlers[method] as (
    p: unknown,
    w: WalletPort,
    o: (progress: PayProgress) => void,
  ) => Promise<unknown>;
  return handler(params, wallet, onProgress);
}

async function payThroughWorker(
  itemId: string,
  wallet: WalletPort,
  onProgress: (progress: PayProgress) => void,
): Promise<PayResult> {
  const { purchaseId } = await wallet.startPay(itemId);
  let after: PayProgress["state"] | undefined;
  for (let unanswered = 0; ; ) {
    let answer: Awaited<ReturnType<WalletPort["awaitPay"]>>;
    try {
      answer = await wallet.awaitPay(purchaseId, after);
    } catch (error) {
      // A QuickPayError is the purchase's real outcome; anything else (WalletUnreachable: no reply at
      // all, or the browser's "message channel closed") is the service worker having been stopped.
      if (error instanceof QuickPayError || ++unanswered > AWAIT_RETRIES) throw error;
      continue;
    }
    unanswered = 0;
    if ("result" in answer) return answer.result;
    if (answer.progress.state !== after) onProgress(answer.progress);
    after = answer.progress.state;
  }
}

/** The longest message a page is given (the Wallet's sentences are far shorter). */
const MAX_PAGE_MESSAGE = 500;

/**
 * What the page reads for a failure: the page API's code for it (`toPageErrorCode`, the one mapping)
 * and the shopper's words. The service worker already put the words in `message` for page messages
 * (router.ts `pageErrorBody`); technical details never leave the Wallet.
 */
export function forPage(error: unknown): PageError {
  if (!(error instanceof QuickPayError)) return { code: "internal", message: wordsFor("internal") };
  const words = error.message.trim() ? error.message.slice(0, MAX_PAGE_MESSAGE) : wordsFor(error.code);
  return { code: toPageErrorCode(error.code), message: words };
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
    handlePageRequest(request, wallet, (progress) => reply({ requestId, progress })).then(
      (result) => reply({ requestId, result }),
      (error: unknown) => reply({ requestId, error: forPage(error) }),
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

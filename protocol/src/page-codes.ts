/**
 * The zod-free half of the page API (`@quickpay/protocol/page-codes`): the names of its window
 * events and message channels, the small set of error codes a page may receive, and the one mapping
 * from the Wallet's internal codes onto that set. Imports nothing at run time, so the pay button
 * (which must stay a few KB) uses these values directly; `page-api.ts` holds the schemas.
 */

/**
 * Multi-wallet discovery (the EIP-6963 pattern): a page dispatches `quickpay:requestProvider`;
 * every installed wallet answers with `quickpay:announceProvider` whose `detail` is
 * `{ info: WalletAnnouncementInfo, provider }`. Each wallet announces once when it loads and again
 * on every request, so two wallets coexist and a late page script still finds both.
 * `quickpay#initialized` fires once `window.quickpay` is set (by the first wallet to load).
 */
export const discoveryEvents = {
  request: "quickpay:requestProvider",
  announce: "quickpay:announceProvider",
  initialized: "quickpay#initialized",
} as const;

/**
 * Dispatched on `window` by the QuickPay provider while a `pay` request is under way (`detail`:
 * `PayProgressEvent`). Kept for pages that listen on `window`; with two wallets on a page, prefer
 * `provider.on("progress", …)`, which hears only that wallet.
 */
export const PROGRESS_EVENT = "quickpay:progress";

/** window.postMessage framing between the in-page script and the content script. */
export const PAGE_TO_WALLET = "quickpay:page-request";
export const WALLET_TO_PAGE = "quickpay:wallet-response";

/** The reverse-DNS id the QuickPay Wallet announces itself with. */
export const QUICKPAY_WALLET_RDNS = "org.quickpay.wallet";

/**
 * Every error code a page can receive, and nothing else: what a shop can act on, without learning
 * anything about the shopper or the Wallet's insides. Each has its sentence in words.ts.
 * - `declined`: the shopper said no, closed the window, or declined this page a moment ago;
 * - `not_a_vendor`: this site is not a registered, active QuickPay shop (no window opens);
 * - `insufficient_funds`: the chosen Paycard cannot pay this;
 * - `locked`: the Wallet is locked and the shopper did not unlock it;
 * - `no_paycard`: the Wallet has no Paycard yet;
 * - `broker_unavailable`: the shopper's bank could not be reached or refused the card just now;
 * - `internal`: anything else — the message says, in words, what happened and whether money moved.
 */
export const pageErrorCodes = [
  "declined",
  "not_a_vendor",
  "insufficient_funds",
  "locked",
  "no_paycard",
  "broker_unavailable",
  "internal",
] as const;
export type PageErrorCode = (typeof pageErrorCodes)[number];

/** What a rejected page request carries: a stable code from the set and a sentence for the shopper. */
export interface PageError {
  code: PageErrorCode;
  message: string;
}

export function isPageErrorCode(value: unknown): value is PageErrorCode {
  return typeof value === "string" && (pageErrorCodes as readonly string[]).includes(value);
}

/**
 * The one mapping from the Wallet's internal error codes (errors.ts) onto the page's set. A code
 * missing here is `internal`. Money and identity never depend on the mapping: it only decides which
 * of seven codes a shop's script reads.
 */
const fromInternal: Readonly<Record<string, PageErrorCode>> = {
  declined: "declined",
  // A page asking too often (the cool-down after a decline, a full queue) is told no, in words.
  rate_limited: "declined",
  not_a_vendor: "not_a_vendor",
  origin_not_proven: "not_a_vendor",
  insufficient_funds: "insufficient_funds",
  wallet_locked: "locked",
  locked: "locked",
  no_paycard: "no_paycard",
  broker_unreachable: "broker_unavailable",
  broker_unavailable: "broker_unavailable",
};

export function toPageErrorCode(internalCode: unknown): PageErrorCode {
  return typeof internalCode === "string" && Object.hasOwn(fromInternal, internalCode)
    ? (fromInternal[internalCode] as PageErrorCode)
    : "internal";
}

/**
 * What a pay button says and asks, apart from the DOM: ask the Wallet to pay for an item (or to
 * restore one already bought), check its answer, and turn outcomes and progress into the words and
 * state the button shows. Shopper-facing error text comes from `@quickpay/protocol/words` (which
 * imports nothing, so no zod enters the bundle); the code stays in `code` for developers.
 */
import type { PayProgress, PayResult, QuickPayProvider } from "@quickpay/protocol";
import { PROGRESS_EVENT } from "@quickpay/protocol/page-codes";
import { wordsFor } from "@quickpay/protocol/words";

export { PROGRESS_EVENT };

/** Not a protocol code: the page found no Wallet to ask. */
export const NO_WALLET = "no_wallet";
/** Placeholder until a vendor sets `get-wallet-url`; example.com-style domain, reserved for docs. */
export const DEFAULT_GET_WALLET_URL = "https://quickpay.example/wallet";

export type ButtonState = "idle" | "paying" | "delivered" | "error";
export type ProgressState = PayProgress["state"];

export type PayOutcome =
  | { state: "delivered"; result: PayResult }
  | { state: "error"; code: string; message: string };

export async function payForItem(
  findWallet: () => Promise<QuickPayProvider | undefined>,
  itemId: string,
): Promise<PayOutcome> {
  const wallet = await findWallet();
  if (!wallet) return { state: "error", code: NO_WALLET, message: "no QuickPay Wallet answered" };
  try {
    const result: unknown = await wallet.request({ method: "pay", params: { itemId } });
    if (!isPayResult(result)) {
      return { state: "error", code: "internal", message: "the Wallet's answer is not a delivery" };
    }
    return { state: "delivered", result };
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown } | null;
    return {
      state: "error",
      code: typeof e?.code === "string" ? e.code : "internal",
      message: typeof e?.message === "string" ? e.message : String(error),
    };
  }
}

/**
 * Asks the Wallet to re-present a receipt for `itemId`. Anything but a good result — no receipt
 * (`null`), an expired receipt, a Wallet too old to know `restore`, a refusal — leaves the button as
 * it was, so it resolves `null` rather than rejecting: the shopper can still pay.
 */
export async function restoreItem(wallet: QuickPayProvider, itemId: string): Promise<PayResult | null> {
  try {
    const result: unknown = await wallet.request({ method: "restore", params: { itemId } });
    return isPayResult(result) ? result : null;
  } catch {
    return null;
  }
}

/** A structural check (the button carries no schema library); the Wallet validated it already. */
export function isPayResult(value: unknown): value is PayResult {
  const v = value as Partial<PayResult> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    (v.status === "delivered" || v.status === "restored") &&
    typeof v.orderDigest === "string" &&
    typeof v.content === "object" &&
    v.content !== null &&
    typeof v.content.body === "string" &&
    (v.content.mediaType === "text/html" || v.content.mediaType === "text/plain") &&
    typeof v.amount?.value === "string" &&
    typeof v.amount?.currency === "string"
  );
}

export interface StatusView {
  state: ButtonState;
  text: string;
  /** A link to show after the text (where to get a Wallet). */
  link?: { href: string; text: string };
  /** While paying: where the purchase is (`data-progress`). */
  progress?: ProgressState | "starting";
  /** On error: the stable code, for developers and tests (`data-error-code`), never in `text`. */
  code?: string;
}

/** Before the Wallet has said anything about this purchase. */
export const startingView: StatusView = {
  state: "paying",
  progress: "starting",
  text: "Asking your QuickPay Wallet…",
};

const progressWords = {
  confirming: "Confirm in your QuickPay Wallet…",
  paying: "Paying…",
  waiting_for_shop: "Paid — waiting for the shop to hand it over…",
} as const satisfies Record<ProgressState, string>;

/** The status line for a progress event; undefined for a state this button does not know. */
export function progressView(state: unknown): StatusView | undefined {
  if (typeof state !== "string" || !Object.hasOwn(progressWords, state)) return undefined;
  const known = state as ProgressState;
  return { state: "paying", progress: known, text: progressWords[known] };
}

export interface DescribeOptions {
  getWalletUrl?: string;
  /**
   * The Wallet reported the money held (`paying` or `waiting_for_shop`) before the outcome: an
   * `order_expired` then means the shop never handed the item over, not that the shopper was slow.
   */
  waited?: boolean;
  /** For dates ("Bought on …"); the browser's locale by default. */
  locale?: string;
}

/**
 * The one sentence for a purchase that ended without a charge after the money was held. It is the
 * button's own: words.ts has one sentence per code, and neither `not_charged`'s ("did not go
 * through") nor `order_expired`'s ("expired before it was paid") says what happened here.
 */
export const NOT_CHARGED_AFTER_WAITING =
  "Not charged: the shop did not hand over your item in time, so the payment was cancelled.";

/** The status line for an outcome. Errors are in words; the code goes to `code`, not the text. */
export function describeOutcome(outcome: PayOutcome, options: DescribeOptions = {}): StatusView {
  if (outcome.state === "delivered") {
    if (outcome.result.status === "restored") return restoredView(outcome.result, options.locale);
    return { state: "delivered", text: `Paid ${displayAmount(outcome.result.amount)} — thank you!` };
  }
  const { code } = outcome;
  if (code === NO_WALLET) {
    return {
      state: "error",
      code,
      text: wordsFor(NO_WALLET),
      link: { href: options.getWalletUrl ?? DEFAULT_GET_WALLET_URL, text: "Get a QuickPay Wallet" },
    };
  }
  // `internal` after the money was held: the QuickPay Wallet's page code for a purchase that ended
  // uncharged (the shop never handed it over, or refused it); the other codes are older wallets'.
  if (code === "not_charged" || ((code === "order_expired" || code === "internal") && options.waited)) {
    return { state: "error", code, text: NOT_CHARGED_AFTER_WAITING };
  }
  return { state: "error", code, text: wordsFor(code) };
}

/** "Bought on 5 Mar 2025 — here it is again": a receipt brought the item back, nothing was charged. */
export function restoredView(result: PayResult, locale?: string): StatusView {
  const at = result.deliveredAt ? new Date(result.deliveredAt) : undefined;
  const when =
    at && !Number.isNaN(at.getTime()) ? ` on ${at.toLocaleDateString(locale, { dateStyle: "medium" })}` : "";
  return { state: "delivered", text: `Bought${when} — here it is again` };
}

/** "$0.01" for dollars, "0.005 EUR" otherwise (same rule as the protocol's displayMoney). */
export function displayAmount(amount: { currency: string; value: string }): string {
  return amount.currency === "USD" ? `$${amount.value}` : `${amount.value} ${amount.currency}`;
}

/**
 * What one click on a pay button does, apart from the DOM: ask the Wallet to pay for an item, check
 * its answer, and turn the outcome into the words and state the button shows.
 */
import type { PayResult, QuickPayProvider } from "@quickpay/protocol";

/** Not a protocol code: the page found no Wallet to ask. */
export const NO_WALLET = "no_wallet";
/** Placeholder until a vendor sets `get-wallet-url`; example.com-style domain, reserved for docs. */
export const DEFAULT_GET_WALLET_URL = "https://quickpay.example/wallet";

export type ButtonState = "idle" | "paying" | "delivered" | "error";

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

/** A structural check (the button carries no schema library); the Wallet validated it already. */
export function isPayResult(value: unknown): value is PayResult {
  const v = value as Partial<PayResult> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    v.status === "delivered" &&
    typeof v.orderDigest === "string" &&
    typeof v.content === "object" &&
    v.content !== null &&
    typeof v.content.body === "string" &&
    (v.content.mediaType === "text/html" || v.content.mediaType === "text/plain") &&
    typeof v.amount?.value === "string" &&
    typeof v.amount?.currency === "string"
  );
}

const explanations: Record<string, string> = {
  declined: "Payment declined",
  not_a_vendor: "Your Wallet refused to pay: this site is not a registered QuickPay vendor",
  no_paycard: "Add a Paycard to your QuickPay Wallet first",
  wallet_locked: "Unlock your QuickPay Wallet and try again",
  insufficient_funds: "Not enough money on your active Paycard",
  order_expired: "The order expired — please try again",
  not_found: "This item is not for sale",
  broker_unreachable: "Your bank could not be reached — please try again",
  vendor_unreachable: "The shop could not be reached — please try again",
  host_unreachable: "The QuickPay network could not be reached — please try again",
  rate_limited: "Too many attempts — wait a moment and try again",
  too_many_attempts: "Too many attempts — wait a moment and try again",
};

export interface StatusView {
  state: ButtonState;
  text: string;
  /** A link to show after the text (where to get a Wallet). */
  link?: { href: string; text: string };
  /** Text after the link (the code, so every error's status names it). */
  after?: string;
}

/** The status line for an outcome. Error text always ends with the code, e.g. "(declined)". */
export function describeOutcome(outcome: PayOutcome, getWalletUrl = DEFAULT_GET_WALLET_URL): StatusView {
  if (outcome.state === "delivered") {
    return { state: "delivered", text: `Paid ${displayAmount(outcome.result.amount)} — thank you!` };
  }
  if (outcome.code === NO_WALLET) {
    return {
      state: "error",
      text: "No QuickPay Wallet found — get one at",
      link: { href: getWalletUrl, text: getWalletUrl },
      after: `(${NO_WALLET})`,
    };
  }
  const human = explanations[outcome.code] ?? `Payment failed: ${outcome.message}`;
  return { state: "error", text: `${human} (${outcome.code})` };
}

export const payingView: StatusView = { state: "paying", text: "Waiting for your QuickPay Wallet…" };

/** "$0.01" for dollars, "0.005 EUR" otherwise (same rule as the protocol's displayMoney). */
export function displayAmount(amount: { currency: string; value: string }): string {
  return amount.currency === "USD" ? `$${amount.value}` : `${amount.value} ${amount.currency}`;
}

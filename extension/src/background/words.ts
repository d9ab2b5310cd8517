/**
 * What the shopper reads about a purchase: the reason in the history, the progress a page shows while
 * it waits, and the error a page gets when a purchase ended without goods. The protocol's `wordsFor`
 * says what each error code means; the sentences here are the Wallet's own, for outcomes no single
 * code describes. The code always travels beside the words (`reasonCode`, `error.code`).
 */
import { isErrorCode, type PayProgress, QuickPayError, wordsFor } from "@quickpay/protocol";
import type { StoredPurchase } from "./db";

export const walletWords = {
  confirming: "Confirm the payment in your QuickPay Wallet.",
  paying: "Paying: your bank is holding the money and the shop is being asked for your item.",
  waitingForShop: "Your Wallet keeps asking the shop. If it never hands your item over, nothing is charged.",
  /** Request Order Delivery given up a week after the endorsement expired, the shop never answering. */
  shopNeverAnswered:
    "The shop never handed over your item and stopped answering. If it never delivered, the money held for it comes back to your Paycard by itself.",
  /** The vendor says its copy was handed over before, but this Wallet never received it. */
  receiptLost:
    "The shop says it handed this item over, but your Wallet never received it. Please contact the shop.",
} as const;

/** What the Wallet knows to name a Paycard by, for its words: the bank (module) and the card's label. */
export interface PaycardNames {
  bank?: string | undefined;
  card?: string | undefined;
}

/**
 * The broker answered `unauthorized` for a Paycard: it no longer takes the card's credential (the
 * card was revoked or forgotten at the bank, or the Wallet's credential is not the one it issued).
 * The protocol's words for `unauthorized` speak of the network operator's permission, which is not
 * what a shopper paying with a Paycard needs to read.
 */
export function paycardNotAccepted(names: PaycardNames = {}): string {
  const bank = names.bank ?? "Your bank";
  const card = names.card ? ` “${names.card}”` : " this Paycard";
  return `${bank} no longer accepts${card}. Remove it and add it again.`;
}

/** Ended with the goods, or never will. */
export function isFinished(p: Pick<StoredPurchase, "status">): boolean {
  return !["confirming", "paying", "waiting_for_shop"].includes(p.status);
}

/** Where an unfinished purchase stands, for the page. */
export function progressOf(p: Pick<StoredPurchase, "status">): PayProgress {
  switch (p.status) {
    case "confirming":
      return { state: "confirming", message: walletWords.confirming };
    case "waiting_for_shop":
      return { state: "waiting_for_shop", message: walletWords.waitingForShop };
    default:
      return { state: "paying", message: walletWords.paying };
  }
}

/** Why a purchase ended (or waits) the way it does, in words and as a code; undefined when it needs none. */
export function reasonOf(
  p: Pick<StoredPurchase, "status" | "error" | "endorsement">,
  names: PaycardNames = {},
): { reason: string; reasonCode: string } | undefined {
  const code = p.error?.code;
  switch (p.status) {
    case "declined":
      return { reason: wordsFor("declined"), reasonCode: "declined" };
    case "waiting_for_shop":
      return { reason: walletWords.waitingForShop, reasonCode: code ?? "delivery_failed" };
    case "failed":
    case "not_charged": {
      const reasonCode = code ?? "internal";
      if (p.status === "failed" && p.endorsement) {
        // Failed after the bank endorsed: the shop's answer never came, or came too late.
        const reason =
          reasonCode === "receipt_expired" ? walletWords.receiptLost : walletWords.shopNeverAnswered;
        return { reason, reasonCode };
      }
      // Failed before any endorsement with `unauthorized`: Inquiry Payment, the broker refusing the card.
      if (p.status === "failed" && reasonCode === "unauthorized") {
        return { reason: paycardNotAccepted(names), reasonCode };
      }
      return { reason: wordsFor(reasonCode), reasonCode };
    }
    default:
      return undefined;
  }
}

/**
 * The error a page gets for a purchase that ended without goods: the code, the technical message,
 * and in `details.words` what the shopper reads (the router sends those words as the message).
 */
export function purchaseError(
  p: Pick<StoredPurchase, "status" | "error" | "endorsement">,
  names: PaycardNames = {},
): QuickPayError {
  const why = reasonOf(p, names) ?? { reason: wordsFor("internal"), reasonCode: "internal" };
  const technical = p.error?.message ?? why.reason;
  if (p.status === "not_charged") {
    return new QuickPayError("not_charged", technical, {
      reasonCode: why.reasonCode,
      words: `${wordsFor("not_charged")} ${why.reason}`,
    });
  }
  const code = isErrorCode(why.reasonCode) ? why.reasonCode : "internal";
  return new QuickPayError(code, technical, { reasonCode: why.reasonCode, words: why.reason });
}

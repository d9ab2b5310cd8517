/**
 * What a shopper reads when something did not work: one sentence per error code, in words, for the
 * Wallet's pages and the vendor's pay button alike. The code itself stays for developers (in a data
 * attribute, a log, the console), never as the only thing a person sees.
 *
 * Imports nothing, so the pay button (which must stay a few KB, without zod) can use it too; the test
 * beside it checks that every code in `errors.ts` has words here.
 */

/** Sentences for the shopper, by error code. Kept short; they follow "what happened — what to do". */
export const shopperWords = {
  invalid_request: "The shop or the Wallet sent something the other could not read. Please try again.",
  stale_message: "Your computer's clock seems to be off, so the payment could not be checked.",
  bad_signature: "The order or the payment could not be verified, so nothing was paid.",
  unauthorized: "This action needs the network operator's permission.",
  insufficient_funds: "There is not enough money on your active Paycard for this.",
  forbidden: "This is not allowed for your Wallet.",
  not_registered: "Your Wallet is still setting itself up. Try again in a moment.",
  suspended: "This shop or bank is suspended on the QuickPay network right now.",
  origin_not_proven: "This shop could not show the QuickPay network that it runs this website.",
  wrong_answer: "Those answers do not match an account.",
  unknown_player: "The shop or bank is not known to the QuickPay network.",
  unknown_commit: "The bank does not know this payment, so nothing was charged.",
  not_found: "This item is not for sale.",
  conflict: "This payment was already used for something else.",
  already_endorsed: "This order was already paid from another Paycard.",
  already_settled: "This payment is already settled.",
  revoked: "This payment was revoked.",
  order_expired: "The order expired before it was paid. Nothing was charged; please try again.",
  receipt_expired: "Your receipt for this item is no longer valid at this shop.",
  payload_too_large: "The request was too large.",
  mismatch: "The order and the payment do not match, so nothing was paid.",
  too_many_attempts: "Too many attempts. Please wait a while and try again.",
  rate_limited: "Too many requests at once. Wait a moment and try again.",
  internal: "Something went wrong inside QuickPay. Please try again.",
  invalid_catalog_item:
    "The shop cannot sell this item right now because of a problem on its side. Nothing was charged.",
  not_supported: "The shop cannot sell this kind of item through QuickPay yet. Nothing was charged.",
  broker_unreachable: "Your bank could not be reached. Please try again in a moment.",
  vendor_unreachable: "The shop could not be reached. Please try again in a moment.",
  host_unreachable: "The QuickPay network could not be reached. Please try again in a moment.",
  delivery_failed: "The shop could not hand over your item yet. Your Wallet keeps trying.",
  declined: "You declined the payment. Nothing was charged.",
  not_a_vendor: "This site is not a registered QuickPay shop, so your Wallet will not pay here.",
  no_paycard: "Add a Paycard to your QuickPay Wallet first.",
  wallet_locked: "Unlock your QuickPay Wallet and try again.",
  wrong_password: "That password is not right. Check it and try again.",
  not_charged: "The purchase did not go through. Nothing was charged.",
  no_wallet: "No QuickPay Wallet was found in this browser.",
  // The page API's own codes (page-codes.ts) that differ from the Wallet's internal ones.
  locked: "Your QuickPay Wallet is locked. Unlock it and try again.",
  broker_unavailable: "Your bank is not available right now. Please try again in a moment.",
} as const satisfies Record<string, string>;

export type WordedCode = keyof typeof shopperWords;

/** The sentence for `code`; an unknown code gets a general sentence (never the bare code). */
export function wordsFor(code: string | undefined): string {
  if (code !== undefined && Object.hasOwn(shopperWords, code)) return shopperWords[code as WordedCode];
  return "Something went wrong. Please try again.";
}

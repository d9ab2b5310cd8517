/**
 * The page API: what a vendor's page may ask the Wallet through `window.quickpay`, and the
 * window-message framing between the page and the Wallet's content script. Validated on both sides.
 */
import { z } from "zod";
import { DeliveredContent } from "./messages/micropayment";
import { Digest, Money, Timestamp } from "./schemas";

export const ItemId = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, "1–100 characters of [A-Za-z0-9_.:-]");

export const PageRequest = z.discriminatedUnion("method", [
  z.object({ method: z.literal("getInfo") }).strict(),
  z.object({ method: z.literal("pay"), params: z.object({ itemId: ItemId }).strict() }).strict(),
  /**
   * "Show what I already bought": when the Wallet holds a good receipt for this item at this page's
   * vendor, it re-presents it and the vendor re-delivers — no window, no charge, no wallet identity.
   * Resolves with `null` when there is no such receipt.
   */
  z.object({ method: z.literal("restore"), params: z.object({ itemId: ItemId }).strict() }).strict(),
]);
export type PageRequest = z.infer<typeof PageRequest>;

export const WalletInfo = z
  .object({ name: z.string(), version: z.string(), walletId: z.string().nullable() })
  .strict();
export type WalletInfo = z.infer<typeof WalletInfo>;

/**
 * The goods of a purchase: `delivered` right after paying, `restored` when a receipt was re-presented
 * (nothing was charged again). `deliveredAt` is when the vendor first delivered it.
 */
export const PayResult = z
  .object({
    status: z.enum(["delivered", "restored"]),
    orderDigest: Digest,
    description: z.string(),
    amount: Money,
    content: DeliveredContent,
    deliveredAt: Timestamp,
  })
  .strict();
export type PayResult = z.infer<typeof PayResult>;

export interface PageResults {
  getInfo: WalletInfo;
  pay: PayResult;
  restore: PayResult | null;
}

/**
 * Where a purchase is while the page waits for `pay`: the person is asked (`confirming`), the bank is
 * holding the money (`paying`), or the money is held and the shop has not handed over the item yet
 * (`waiting_for_shop`: the Wallet keeps resending until it does, or until nothing is charged).
 */
export const PayProgress = z
  .object({ state: z.enum(["confirming", "paying", "waiting_for_shop"]), message: z.string().max(500) })
  .strict();
export type PayProgress = z.infer<typeof PayProgress>;

/** Dispatched on `window` by the provider while a `pay` request is under way; `detail` is PayProgressEvent. */
export const PROGRESS_EVENT = "quickpay:progress";
export interface PayProgressEvent extends PayProgress {
  itemId: string;
}

/** What `window.quickpay` looks like to a page. Errors reject with `{ code, message }`. */
export interface QuickPayProvider {
  readonly isQuickPay: true;
  readonly info: { name: string; uuid: string };
  request<M extends PageRequest["method"]>(
    request: Extract<PageRequest, { method: M }>,
  ): Promise<PageResults[M]>;
}

/** window.postMessage framing between the in-page script and the content script. */
export const PAGE_TO_WALLET = "quickpay:page-request";
export const WALLET_TO_PAGE = "quickpay:wallet-response";

export const PageEnvelope = z
  .object({ channel: z.literal(PAGE_TO_WALLET), requestId: z.string().min(8).max(64), request: z.unknown() })
  .strict();

export const WalletEnvelope = z
  .object({
    channel: z.literal(WALLET_TO_PAGE),
    requestId: z.string(),
    result: z.unknown().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    /** An intermediate state of the request (the request is still open). */
    progress: PayProgress.optional(),
  })
  .strict();

/**
 * Multi-wallet discovery (the EIP-6963 pattern): a page dispatches `quickpay:requestProvider`;
 * every installed wallet answers with `quickpay:announceProvider` whose `detail` is its provider.
 * `quickpay#initialized` fires once `window.quickpay` is set.
 */
export const discoveryEvents = {
  request: "quickpay:requestProvider",
  announce: "quickpay:announceProvider",
  initialized: "quickpay#initialized",
} as const;

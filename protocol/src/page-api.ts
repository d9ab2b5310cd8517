/**
 * The page API: what a vendor's page may ask the Wallet through `window.quickpay`, and the
 * window-message framing between the page and the Wallet's content script. Validated on both sides.
 */
import { z } from "zod";
import { DeliveredContent } from "./messages/micropayment";
import { Digest, Money } from "./schemas";

export const ItemId = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, "1–100 characters of [A-Za-z0-9_.:-]");

export const PageRequest = z.discriminatedUnion("method", [
  z.object({ method: z.literal("getInfo") }).strict(),
  z.object({ method: z.literal("pay"), params: z.object({ itemId: ItemId }).strict() }).strict(),
]);
export type PageRequest = z.infer<typeof PageRequest>;

export const WalletInfo = z
  .object({ name: z.string(), version: z.string(), walletId: z.string().nullable() })
  .strict();
export type WalletInfo = z.infer<typeof WalletInfo>;

export const PayResult = z
  .object({
    status: z.literal("delivered"),
    orderDigest: Digest,
    description: z.string(),
    amount: Money,
    content: DeliveredContent,
  })
  .strict();
export type PayResult = z.infer<typeof PayResult>;

export interface PageResults {
  getInfo: WalletInfo;
  pay: PayResult;
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

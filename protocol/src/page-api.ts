/**
 * The page API: what a vendor's page may ask the Wallet through `window.quickpay`, declared once in
 * `pageMethods` (each method's params and result schema). Everything else is derived from it: the
 * page's `request()` types, the `PageRequest` schema the content script validates against, the
 * service worker's `page.*` messages (extension/src/shared/messages.ts) and the pay button's types.
 * The event names, channels and error codes live in the zod-free `page-codes.ts`.
 */
import { z } from "zod";
import { DeliveredContent } from "./messages/micropayment";
import { PAGE_TO_WALLET, pageErrorCodes, WALLET_TO_PAGE } from "./page-codes";
import { Digest, Money, Timestamp } from "./schemas";

export * from "./page-codes";

export const ItemId = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, "1–100 characters of [A-Za-z0-9_.:-]");

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

const ItemParams = z.object({ itemId: ItemId }).strict();

/** Every method a page may call, with its params and its result. The one list. */
export const pageMethods = {
  /** Name and version of the Wallet. `walletId` is always null: a shop never learns who pays. */
  getInfo: { params: z.object({}).strict().optional(), result: WalletInfo },
  /**
   * Buy `itemId` from this page's vendor: the Wallet asks the shopper (or pays inside an allowance),
   * then resolves with the goods. Progress arrives as `progress` events while it is open.
   */
  pay: { params: ItemParams, result: PayResult },
  /**
   * "Show what I already bought": when the Wallet holds a good receipt for this item at this page's
   * vendor, it re-presents it and the vendor re-delivers — no window, no charge, no wallet identity.
   * Resolves with `null` when there is no such receipt.
   */
  restore: { params: ItemParams, result: PayResult.nullable() },
} as const satisfies Record<string, { params: z.ZodType; result: z.ZodType }>;

export type PageMethods = typeof pageMethods;
export type PageMethodName = keyof PageMethods;
export const pageMethodNames = Object.keys(pageMethods) as PageMethodName[];
export type PageParams<M extends PageMethodName> = z.output<PageMethods[M]["params"]>;
export type PageResults = { [M in PageMethodName]: z.output<PageMethods[M]["result"]> };

type RequestSchemaOf<M extends PageMethodName> = z.ZodObject<
  { method: z.ZodLiteral<M>; params: PageMethods[M]["params"] },
  z.core.$strict
>;
type RequestSchemas = { [M in PageMethodName]: RequestSchemaOf<M> };
const requestSchemas = Object.fromEntries(
  pageMethodNames.map((method) => [
    method,
    z.object({ method: z.literal(method), params: pageMethods[method].params }).strict(),
  ]),
) as unknown as RequestSchemas;

/** One page request, `{ method, params }`, for any method of `pageMethods`. */
export const PageRequest = z.discriminatedUnion(
  "method",
  Object.values(requestSchemas) as [RequestSchemas[PageMethodName], ...RequestSchemas[PageMethodName][]],
);
export type PageRequest = z.infer<typeof PageRequest>;
/** What a page passes to `request()` for method `M` (params may be left out where they are optional). */
export type PageRequestOf<M extends PageMethodName> = z.input<RequestSchemas[M]>;

/**
 * Where a purchase is while the page waits for `pay`: the person is asked (`confirming`), the bank is
 * holding the money (`paying`), or the money is held and the shop has not handed over the item yet
 * (`waiting_for_shop`: the Wallet keeps resending until it does, or until nothing is charged).
 */
export const PayProgress = z
  .object({ state: z.enum(["confirming", "paying", "waiting_for_shop"]), message: z.string().max(500) })
  .strict();
export type PayProgress = z.infer<typeof PayProgress>;

export interface PayProgressEvent extends PayProgress {
  itemId: string;
}

/**
 * The provider's events (`provider.on(name, listener)`). Only the progress of this page's own
 * requests: a Wallet-wide change (locked, unlocked, another Paycard chosen) would reach every open
 * tab at the same instant, which lets unrelated sites link one shopper's visits, and no shop needs
 * it to sell something — a locked Wallet asks to be unlocked when the page asks to pay.
 */
export interface PageEvents {
  progress: PayProgressEvent;
}

/** What a wallet says about itself in discovery (EIP-6963's `EIP6963ProviderInfo`). */
export interface WalletAnnouncementInfo {
  /** Random per page load (RFC 4122 v4): tells two wallets apart, never the shopper. */
  uuid: string;
  name: string;
  /** A `data:image/…` URI (never a remote address, which would tell a server who looked). */
  icon: string;
  /** Reverse-DNS id of the wallet product, e.g. `org.quickpay.wallet`. */
  rdns: string;
}

/** The `detail` of a `quickpay:announceProvider` event. */
export interface WalletAnnouncement {
  info: WalletAnnouncementInfo;
  provider: QuickPayProvider;
}

/** What `window.quickpay` (and each announced provider) looks like to a page. */
export interface QuickPayProvider {
  readonly isQuickPay: true;
  readonly info: WalletAnnouncementInfo;
  /** Rejects with a `PageError`-shaped Error: `code` from the page's small set, `message` in words. */
  request<M extends PageMethodName>(request: PageRequestOf<M> & { method: M }): Promise<PageResults[M]>;
  on<E extends keyof PageEvents>(event: E, listener: (detail: PageEvents[E]) => void): void;
  removeListener<E extends keyof PageEvents>(event: E, listener: (detail: PageEvents[E]) => void): void;
}

export const PageEnvelope = z
  .object({
    channel: z.literal(PAGE_TO_WALLET),
    requestId: z.string().min(8).max(64),
    request: z.unknown(),
  })
  .strict();

export const WalletEnvelope = z
  .object({
    channel: z.literal(WALLET_TO_PAGE),
    requestId: z.string(),
    result: z.unknown().optional(),
    error: z
      .object({ code: z.enum(pageErrorCodes), message: z.string() })
      .strict()
      .optional(),
    /** An intermediate state of the request (the request is still open). */
    progress: PayProgress.optional(),
  })
  .strict();

/**
 * The Wallet's internal message map: every message that crosses an extension boundary (content
 * script → service worker, extension pages → service worker), declared once with its params schema,
 * its result schema and who may send it. The service worker's handler map `satisfies`
 * `WalletHandlers`, so a message without a handler (or a handler for an unknown message) is a compile
 * error; params are parsed on arrival and results on return.
 */
import {
  ItemId,
  MessageId,
  MoneySchema,
  PayProgress,
  PayResult,
  Question,
  Timestamp,
  WalletInfo,
} from "@quickpay/protocol";
import { z } from "zod";

/** Who may send a message: a vendor page (through the content script) or one of the Wallet's own pages. */
export type WalletSender = "page" | "ui";

export interface WalletMessageSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  from: WalletSender;
  params: P;
  result: R;
}

const Empty = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) }).strict();
const PurchaseId = MessageId;

export const PaycardView = z
  .object({
    paycardId: z.string(),
    moduleId: z.string(),
    name: z.string(),
    accountLabel: z.string(),
    currency: z.string(),
    color: z.string(),
    active: z.boolean(),
  })
  .strict();
export type PaycardView = z.infer<typeof PaycardView>;

export const ModuleView = z
  .object({ moduleId: z.string(), name: z.string(), version: z.string(), brokerId: z.string() })
  .strict();
export type ModuleView = z.infer<typeof ModuleView>;

/**
 * Where one purchase attempt stands, as the person reads it in the history:
 * - `confirming`: the confirmation window is open;
 * - `paying`: approved; the bank is holding the money and the shop is being asked for the item;
 * - `waiting_for_shop`: paid (held), the shop has not handed over the item yet; the Wallet keeps trying;
 * - `delivered`: the item arrived (the receipt is kept);
 * - `restored`: a receipt was re-presented instead of paying again (no charge);
 * - `declined`: the person said no (or closed the window); nothing was charged;
 * - `failed`: it stopped before any money was held (the reason says why);
 * - `not_charged`: money was held, the item never came, and the hold is released;
 * - `refunded`: paid and later refunded by the shop (regular payments).
 */
export const PurchaseStatus = z.enum([
  "confirming",
  "paying",
  "waiting_for_shop",
  "delivered",
  "restored",
  "declined",
  "failed",
  "not_charged",
  "refunded",
]);
export type PurchaseStatus = z.infer<typeof PurchaseStatus>;

export const HistoryItem = z
  .object({
    purchaseId: z.string(),
    orderDigest: z.string(),
    itemId: z.string(),
    description: z.string(),
    amount: MoneySchema,
    vendorName: z.string(),
    origin: z.string(),
    status: PurchaseStatus,
    /** Why it ended the way it did, in words (failed, not charged, declined, waiting). */
    reason: z.string().optional(),
    /** The stable code behind `reason`, for developers and tests. */
    reasonCode: z.string().optional(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    deliveredAt: Timestamp.optional(),
    /** Until when the vendor re-delivers it on this receipt: "forever", a time, or null (not any more). */
    receiptUntil: z
      .union([z.literal("forever"), Timestamp])
      .nullable()
      .optional(),
    /** The host acknowledged this wallet's Register Order. */
    registered: z.boolean(),
  })
  .strict();
export type HistoryItem = z.infer<typeof HistoryItem>;

export const HistoryPage = z
  .object({
    items: z.array(HistoryItem),
    /** Pass as `before` for the next (older) page; null when this is the last. */
    next: z.string().nullable(),
  })
  .strict();
export type HistoryPage = z.infer<typeof HistoryPage>;

/** How many history rows one page holds unless asked otherwise. */
export const HISTORY_PAGE_SIZE = 25;

export const ConfirmationView = z
  .object({
    id: z.string(),
    vendorName: z.string(),
    vendorId: z.string(),
    origin: z.string(),
    description: z.string(),
    amount: MoneySchema,
    paycard: z.object({ name: z.string(), accountLabel: z.string() }).strict(),
    expiresAt: z.string(),
    /** The purchase's state; anything but `confirming` means it was answered already. */
    status: PurchaseStatus,
    /**
     * A receipt this Wallet holds for the same item at the same vendor that is still good: the window
     * says "you bought this on …" and offers the copy instead of charging again.
     */
    boughtBefore: z
      .object({
        purchaseId: z.string(),
        deliveredAt: Timestamp,
        amount: MoneySchema,
        receiptUntil: z.union([z.literal("forever"), Timestamp]),
      })
      .strict()
      .nullable(),
  })
  .strict();
export type ConfirmationView = z.infer<typeof ConfirmationView>;

export const WalletStatus = z
  .object({
    walletId: z.string().nullable(),
    registered: z.boolean(),
    hostUrl: z.string(),
    /** Messages in the outbox not yet acknowledged. */
    outboxPending: z.number().int(),
  })
  .strict();
export type WalletStatus = z.infer<typeof WalletStatus>;

export const AddPaycardStep = z
  .object({
    moduleId: z.string(),
    sessionId: z.string(),
    questions: z.array(Question),
    certificate: z
      .object({ moduleId: z.string(), version: z.string(), brokerId: z.string(), brokerName: z.string() })
      .strict(),
  })
  .strict();
export type AddPaycardStep = z.infer<typeof AddPaycardStep>;

export const BalanceView = z
  .object({ paycardId: z.string(), balance: MoneySchema, held: MoneySchema, available: MoneySchema })
  .strict();
export type BalanceView = z.infer<typeof BalanceView>;

export const walletProtocol = {
  /** Page: name and version of the Wallet. Never the wallet id (vendors must not learn who pays). */
  "page.getInfo": { from: "page", params: Empty, result: WalletInfo },
  /** Page: Get Order + checks + open the confirmation window; answers with the purchase id at once. */
  "page.startPay": {
    from: "page",
    params: z.object({ itemId: ItemId }).strict(),
    result: z.object({ purchaseId: PurchaseId }).strict(),
  },
  /**
   * Page: waits until the purchase finishes (`result`) or its progress differs from `after`
   * (`progress`) — or, after a while (25 s), answers the same progress so no message stays open for
   * long; the content script asks again until it has the result. Safe to re-send after a
   * service-worker restart. Rejects with the purchase's error when it ended without goods.
   */
  "page.awaitPay": {
    from: "page",
    params: z.object({ purchaseId: PurchaseId, after: PayProgress.shape.state.optional() }).strict(),
    result: z.union([z.object({ result: PayResult }).strict(), z.object({ progress: PayProgress }).strict()]),
  },
  /** Page: re-present a good receipt for this item at this page's vendor; null when there is none. */
  "page.restore": {
    from: "page",
    params: z.object({ itemId: ItemId }).strict(),
    result: PayResult.nullable(),
  },
  "wallet.status": { from: "ui", params: Empty, result: WalletStatus },
  "confirm.get": { from: "ui", params: z.object({ id: PurchaseId }).strict(), result: ConfirmationView },
  "confirm.decide": {
    from: "ui",
    params: z.object({ id: PurchaseId, approve: z.boolean() }).strict(),
    result: Ok,
  },
  /** Confirmation window, "Open my copy": answer this purchase from the receipt instead of paying again. */
  "confirm.useReceipt": { from: "ui", params: z.object({ id: PurchaseId }).strict(), result: Ok },
  "paycards.list": {
    from: "ui",
    params: Empty,
    result: z.object({ paycards: z.array(PaycardView), modules: z.array(ModuleView) }).strict(),
  },
  "paycards.setActive": { from: "ui", params: z.object({ paycardId: z.string() }).strict(), result: Ok },
  /** Add Paycard 1–2: verify the module certificate, Confirm Paycard, return the broker's questions. */
  "paycards.beginAdd": {
    from: "ui",
    params: z.object({ moduleId: z.string().max(64) }).strict(),
    result: AddPaycardStep,
  },
  /** Add Paycard 3: Answer Response; the new Paycard becomes the active one. */
  "paycards.answer": {
    from: "ui",
    params: z
      .object({
        moduleId: z.string().max(64),
        sessionId: z.string().max(80),
        answers: z.record(z.string().max(40), z.string().max(200)),
      })
      .strict(),
    result: PaycardView,
  },
  "paycards.balance": { from: "ui", params: Empty, result: BalanceView.nullable() },
  /** Every purchase attempt, newest first, a page at a time. */
  "history.page": {
    from: "ui",
    params: z
      .object({ before: z.string().max(200).optional(), limit: z.number().int().min(1).max(100).optional() })
      .strict(),
    result: HistoryPage,
  },
} as const satisfies Record<string, WalletMessageSpec>;

export type WalletProtocolMap = typeof walletProtocol;
export type WalletMessageName = keyof WalletProtocolMap;
export type ParamsOf<N extends WalletMessageName> = z.input<WalletProtocolMap[N]["params"]>;
export type ResultOf<N extends WalletMessageName> = z.output<WalletProtocolMap[N]["result"]>;

/** What the service worker knows about the sender (taken from the browser, never from the message). */
export interface SenderInfo {
  kind: WalletSender;
  /** The page's origin for `page` messages. */
  origin?: string;
}

export type WalletHandlers = {
  [N in WalletMessageName]: (
    params: z.output<WalletProtocolMap[N]["params"]>,
    sender: SenderInfo,
  ) => Promise<z.input<WalletProtocolMap[N]["result"]>>;
};

/** The runtime-message frame. */
export const WalletRequest = z
  .object({ quickpay: z.literal(1), name: z.string().max(64), params: z.unknown() })
  .strict();
export type WalletRequest = z.infer<typeof WalletRequest>;

export type WalletReply<R = unknown> =
  | { ok: true; result: R }
  | { ok: false; error: { code: string; message: string; details?: unknown } };

export function isWalletMessageName(name: string): name is WalletMessageName {
  return Object.hasOwn(walletProtocol, name);
}

/**
 * The Wallet's internal message map: every message that crosses an extension boundary (content
 * script → service worker, extension pages → service worker), declared once with its params schema,
 * its result schema and who may send it. The service worker's handler map `satisfies`
 * `WalletHandlers`, so a message without a handler (or a handler for an unknown message) is a compile
 * error; params are parsed on arrival and results on return.
 */
import { MessageId, MoneySchema, PayProgress, pageMethods, Question, Timestamp } from "@quickpay/protocol";
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
    /** Paid without a window, inside the shopper's allowance for this shop. */
    paidBy: z.literal("allowance").optional(),
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

/** How often an allowance renews (calendar periods in the shopper's time zone). */
export const AllowancePeriod = z.enum(["day", "week", "month"]);
export type AllowancePeriod = z.infer<typeof AllowancePeriod>;

/** One per-vendor allowance as the popup, the options page and the confirmation window show it. */
export const AllowanceView = z
  .object({
    key: z.string(),
    vendorId: z.string(),
    origin: z.string(),
    vendorName: z.string(),
    limit: MoneySchema,
    period: AllowancePeriod,
    /** Spent in the current period, and what is left of it. */
    spent: MoneySchema,
    left: MoneySchema,
    /** When the current period ends and the allowance is whole again. */
    renewsAt: Timestamp,
  })
  .strict();
export type AllowanceView = z.infer<typeof AllowanceView>;

export const ConfirmationView = z
  .object({
    id: z.string(),
    vendorName: z.string(),
    vendorId: z.string(),
    origin: z.string(),
    description: z.string(),
    amount: MoneySchema,
    paycard: z.object({ name: z.string(), accountLabel: z.string() }).strict(),
    /** The Paycard this purchase pays with unless the shopper picks another (the active one when it was asked). */
    paycardId: z.string(),
    /** Every Paycard of the Wallet, for the window's picker (balances: `paycards.overview`). */
    paycards: z.array(PaycardView),
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
    /**
     * Whether the window may offer "Don't ask again on this shop" (micro orders only), and the
     * allowance this shop has already (this request did not fit in it). Absent: no offer.
     */
    allowance: z.object({ offer: z.boolean(), current: AllowanceView.nullable() }).strict().optional(),
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

/**
 * One Paycard as the options page, the popup's switcher and the confirmation window's picker show it:
 * its broker, its balance and whether it can pay. `status`: `ready` (the broker answered),
 * `unavailable` (the broker could not be asked just now: `error` says why), `revoked` (the broker no
 * longer takes this Paycard's credential: remove it and add it again).
 */
export const PaycardOverview = PaycardView.extend({
  brokerId: z.string(),
  brokerName: z.string(),
  status: z.enum(["ready", "unavailable", "revoked"]),
  balance: BalanceView.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).strict().optional(),
}).strict();
export type PaycardOverview = z.infer<typeof PaycardOverview>;

/** What removing a Paycard did, so the Wallet can say it: which card pays now (or none). */
export const PaycardRemoval = z
  .object({
    removed: PaycardView,
    active: PaycardView.nullable(),
    /** The removed card was the active one, so `active` is newly active (or there is none). */
    activeChanged: z.boolean(),
  })
  .strict();
export type PaycardRemoval = z.infer<typeof PaycardRemoval>;

/**
 * One inbox message as the popup shows it, already in words (inbox.ts): a refund notice, a vendor's
 * reply, a broker's notice. `title` and `text` are plain text from the sender (render as text only).
 */
export const InboxMessage = z
  .object({
    id: z.string(),
    kind: z.enum(["refund", "vendor", "broker", "other"]),
    /** Who sent it, in words (the directory's name, or what kind of player it is). */
    fromName: z.string(),
    title: z.string(),
    text: z.string(),
    postedAt: Timestamp,
    unread: z.boolean(),
    /** A web address the sender gave (http or https only). */
    link: z.string().optional(),
    /** The purchase this message is about, as the history shows it; null when it names none this Wallet made with its sender. */
    order: HistoryItem.nullable(),
  })
  .strict();
export type InboxMessage = z.infer<typeof InboxMessage>;

export const InboxView = z
  .object({
    messages: z.array(InboxMessage),
    unread: z.number().int(),
    /** When the Wallet last reached the host's mailbox (null: never yet). */
    checkedAt: Timestamp.nullable(),
    /** `inbox.refresh` only: why the host's mailbox could not be read just now (what is stored still shows). */
    checkError: z.object({ code: z.string(), message: z.string() }).strict().optional(),
  })
  .strict();
export type InboxView = z.infer<typeof InboxView>;

/** The local password (lock.ts): whether one is set, whether the Wallet is locked now, the idle time. */
export const LockStatusView = z
  .object({ enabled: z.boolean(), locked: z.boolean(), autoLockMinutes: z.number().int() })
  .strict();
export type LockStatusView = z.infer<typeof LockStatusView>;

const Password = z.string().max(200);
export const BackupSummary = z
  .object({ paycards: z.number().int(), purchases: z.number().int(), createdAt: Timestamp })
  .strict();
export type BackupSummary = z.infer<typeof BackupSummary>;
const AutoLockMinutes = z
  .number()
  .int()
  .min(1)
  .max(24 * 60);

/*
 * The page-callable messages carry the page API's own schemas (protocol/src/page-api.ts
 * `pageMethods`): the content script relays `getInfo` and `restore` as they are and splits `pay`
 * into `page.startPay` + `page.awaitPay` (so no runtime message stays open while the shopper thinks).
 */
export const walletProtocol = {
  /** Page: name and version of the Wallet. Never the wallet id (vendors must not learn who pays). */
  "page.getInfo": { from: "page", params: Empty, result: pageMethods.getInfo.result },
  /** Page: Get Order + checks + open the confirmation window; answers with the purchase id at once. */
  "page.startPay": {
    from: "page",
    params: pageMethods.pay.params,
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
    result: z.union([
      z.object({ result: pageMethods.pay.result }).strict(),
      z.object({ progress: PayProgress }).strict(),
    ]),
  },
  /** Page: re-present a good receipt for this item at this page's vendor; null when there is none. */
  "page.restore": { from: "page", params: pageMethods.restore.params, result: pageMethods.restore.result },
  "wallet.status": { from: "ui", params: Empty, result: WalletStatus },
  "confirm.get": { from: "ui", params: z.object({ id: PurchaseId }).strict(), result: ConfirmationView },
  /**
   * Confirm Order, the shopper's answer. Approving may name the Paycard that pays this purchase
   * (`paycardId`, the picker's choice; the active card stays unless `makeActive`).
   */
  "confirm.decide": {
    from: "ui",
    params: z
      .object({
        id: PurchaseId,
        approve: z.boolean(),
        paycardId: z.string().max(80).optional(),
        makeActive: z.boolean().optional(),
        /**
         * "Don't ask again on this shop: up to `limit` per `period`": approving also sets this shop's
         * allowance (its vendor and origin are the purchase's, never the message's).
         */
        allowance: z.object({ limit: MoneySchema, period: AllowancePeriod }).strict().optional(),
      })
      .strict(),
    result: Ok,
  },
  /**
   * The confirmation window's queue: the waiting purchases in the order they are shown. Answers at
   * once when `version` differs from `after`, else at the next change (or after 20 s, unchanged).
   */
  "confirm.queue": {
    from: "ui",
    params: z.object({ after: z.string().max(4_000).optional() }).strict(),
    result: z.object({ ids: z.array(PurchaseId), version: z.string() }).strict(),
  },
  /**
   * After an answer: the next waiting purchase to show, or null — then the queue is empty and the
   * Wallet has closed the window (so a request arriving meanwhile gets a window of its own).
   */
  "confirm.next": {
    from: "ui",
    params: Empty,
    result: z.object({ next: PurchaseId.nullable() }).strict(),
  },
  /** "Decline all": every waiting purchase is declined (each page waits out its cool-down). */
  "confirm.declineAll": { from: "ui", params: Empty, result: Ok },
  /** Confirmation window, "Open my copy": answer this purchase from the receipt instead of paying again. */
  "confirm.useReceipt": { from: "ui", params: z.object({ id: PurchaseId }).strict(), result: Ok },
  "paycards.list": {
    from: "ui",
    params: Empty,
    result: z.object({ paycards: z.array(PaycardView), modules: z.array(ModuleView) }).strict(),
  },
  "paycards.setActive": {
    from: "ui",
    params: z.object({ paycardId: z.string().max(80) }).strict(),
    result: Ok,
  },
  /** Every Paycard with its broker's name, balance and status (asks each broker: not for polling fast). */
  "paycards.overview": {
    from: "ui",
    params: Empty,
    result: z.object({ paycards: z.array(PaycardOverview) }).strict(),
  },
  /**
   * Removes a Paycard (after the shopper confirmed): another becomes active if it was the active one,
   * and its broker is told (Forget Paycard, through the outbox). History and receipts stay.
   */
  "paycards.remove": {
    from: "ui",
    params: z.object({ paycardId: z.string().max(80) }).strict(),
    result: PaycardRemoval,
  },
  /** Add Paycard 1–2: verify the module certificate, Confirm Paycard, return the broker's questions. */
  "paycards.beginAdd": {
    from: "ui",
    params: z.object({ moduleId: z.string().max(64) }).strict(),
    result: AddPaycardStep,
  },
  /**
   * Add Paycard 3: Answer Response. The new Paycard becomes the active one when `makeActive` (the
   * shopper's answer to "make it active?"), or when it is the first.
   */
  "paycards.answer": {
    from: "ui",
    params: z
      .object({
        moduleId: z.string().max(64),
        sessionId: z.string().max(80),
        answers: z.record(z.string().max(40), z.string().max(200)),
        makeActive: z.boolean().optional(),
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
  /** Every allowance with what is left of it this period (Wallet pages only, like every allowance message). */
  "allowances.list": {
    from: "ui",
    params: Empty,
    result: z.object({ allowances: z.array(AllowanceView) }).strict(),
  },
  /** The options page's edit of an allowance: its limit or period. Never callable by a page. */
  "allowances.update": {
    from: "ui",
    params: z
      .object({ key: z.string().max(400), limit: MoneySchema.optional(), period: AllowancePeriod.optional() })
      .strict(),
    result: AllowanceView,
  },
  /** Revoke: the shop asks again every time. */
  "allowances.revoke": { from: "ui", params: z.object({ key: z.string().max(400) }).strict(), result: Ok },
  /** The inbox, newest first (at most 50 messages) with the unread count. */
  "inbox.list": { from: "ui", params: Empty, result: InboxView },
  /** Fetch Messages from the host now (the popup opened); the same view afterwards. */
  "inbox.refresh": { from: "ui", params: Empty, result: InboxView },
  /** The shopper read these messages (or all of them): the badge count goes down. */
  "inbox.markRead": {
    from: "ui",
    params: z.union([
      z.object({ ids: z.array(z.string().max(300)).min(1).max(100) }).strict(),
      z.object({ all: z.literal(true) }).strict(),
    ]),
    result: z.object({ unread: z.number().int() }).strict(),
  },
  /**
   * The whole Wallet (keys, Paycards and their credentials, receipts, history, every other store)
   * as a backup file's text, encrypted under `password` (backup.ts). Refused while locked.
   */
  "backup.export": {
    from: "ui",
    params: z.object({ password: Password }).strict(),
    result: z.object({ fileName: z.string(), text: z.string(), summary: BackupSummary }).strict(),
  },
  /**
   * Restores a backup file into this Wallet. A Wallet that already has Paycards is refused
   * (`conflict`) unless `replace` — the shopper confirmed.
   */
  "backup.restore": {
    from: "ui",
    params: z
      .object({ text: z.string().max(200_000_000), password: Password, replace: z.boolean().optional() })
      .strict(),
    result: BackupSummary,
  },
  /** The local password: set, locked, idle minutes before it locks by itself. */
  "lock.status": { from: "ui", params: Empty, result: LockStatusView },
  /** Unlocks with the password (refused with words when it is wrong). */
  "lock.unlock": { from: "ui", params: z.object({ password: Password }).strict(), result: LockStatusView },
  "lock.lock": { from: "ui", params: Empty, result: LockStatusView },
  /** Sets the first password; the key and Paycard credentials are stored encrypted from then on. */
  "lock.setPassword": {
    from: "ui",
    params: z.object({ password: Password, autoLockMinutes: AutoLockMinutes.optional() }).strict(),
    result: LockStatusView,
  },
  "lock.changePassword": {
    from: "ui",
    params: z.object({ current: Password, next: Password }).strict(),
    result: LockStatusView,
  },
  /** Removes the password (the current one confirms it). */
  "lock.removePassword": {
    from: "ui",
    params: z.object({ current: Password }).strict(),
    result: LockStatusView,
  },
  "lock.setAutoLock": {
    from: "ui",
    params: z.object({ minutes: AutoLockMinutes }).strict(),
    result: LockStatusView,
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

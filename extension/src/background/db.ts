/**
 * The Wallet's IndexedDB: the schema is the `WalletDB` type. Everything the service worker must
 * remember across restarts lives here, because the browser may stop the worker at any moment.
 */
import type { Json } from "@quickpay/paycards";
import {
  type GiveUpReason,
  newPayerSalt,
  type PayResult,
  type SignedEndorsement,
  type SignedOrder,
} from "@quickpay/protocol";
import { type DBSchema, type IDBPDatabase, type IDBPTransaction, openDB, type StoreNames } from "idb";
import type { PurchaseStatus } from "../shared/messages";
import type { Sealed } from "./lock";

export interface StoredKeyPair {
  id: "wallet";
  publicKey: string;
  /** Never leaves the service worker: only signatures do. Empty while `sealed` holds it (lock.ts). */
  privateKey: string;
  /** With a local password set: the private key, sealed under the Wallet's data key (lock.ts). */
  sealed?: Sealed;
  createdAt: string;
}

export interface WalletMeta {
  id: "wallet";
  walletId: string;
  registered: boolean;
  /** The outbox id of this wallet's Register Wallet, fixed so a resend is a repeat. */
  registerMessageId: string;
  registeredAt?: string;
}

export interface StoredPaycard {
  paycardId: string;
  moduleId: string;
  accountLabel: string;
  currency: string;
  /** Exactly one stored Paycard is active (see active-paycard.ts). */
  active: boolean;
  addedAt: string;
  /**
   * The module's storage keys (`<moduleId>/<key>`) it wrote while binding this card: what the Wallet
   * deletes itself if the broker can never be told of the card's removal (paycard-host.ts).
   */
  storageKeys?: string[];
}

/**
 * What the outbox sends: the wallet's two host messages, the two steps of an approved purchase, and
 * Forget Paycard to the broker of a Paycard the shopper removed.
 */
export type OutboxType =
  | "RegisterWallet"
  | "RegisterOrder"
  | "InquiryPayment"
  | "RequestOrderDelivery"
  | "ForgetPaycard";

/** One outgoing message, kept until acknowledged or given up (the protocol `Outgoing` shape). */
export interface OutboxItem {
  /**
   * Stable across resends: the envelope's message id for host messages and Inquiry Payment (the
   * receiver applies it once), `rod_<commitId>` for Request Order Delivery (the vendor is idempotent
   * by commit id).
   */
  id: string;
  type: OutboxType;
  /**
   * What is sent, unchanged on every resend: the envelope body (host messages), the Paycard's Inquiry
   * Payment arguments, or Request Order Delivery's `{ order, endorsement }`.
   */
  body: Json;
  /** The purchase this item moves on (purchase steps and Register Order). */
  purchaseId?: string;
  state: "pending" | "done" | "failed";
  /** Failed attempts so far. */
  failures: number;
  /** Epoch ms when it was queued. */
  queuedAt: number;
  /** Epoch ms of the next send attempt. */
  nextAttemptAt: number;
  /** Epoch ms after which it is given up (Inquiry Payment: the order's expiry). */
  deadline?: number;
  lastError?: { code: string; message: string };
  gaveUp?: GiveUpReason;
  ackedAt?: string;
}

/** The goods of a delivered purchase, kept as its receipt. */
export interface StoredReceipt {
  content: { mediaType: "text/html" | "text/plain"; body: string };
  /** When the vendor delivered it (its own time, from the reply). */
  deliveredAt: string;
  /** The vendor answered `receipt_expired` to a re-presentation: it re-delivers no more. */
  expired?: boolean;
}

/**
 * One purchase attempt, from Get Order to its end; all of them together are the history. The
 * status is the one state the engine moves on (see `PurchaseStatus`): `paying` without an
 * endorsement waits for Inquiry Payment, with one for Request Order Delivery.
 */
export interface StoredPurchase {
  id: string;
  origin: string;
  itemId: string;
  vendorId: string;
  vendor: { id: string; name: string; endpoint: string };
  signedOrder: SignedOrder;
  orderDigest: string;
  paycardId: string;
  moduleId: string;
  /** Fixed per purchase so a retried Inquiry Payment holds funds once. */
  inquiryMessageId: string;
  /**
   * This purchase's payer salt (`newPayerSalt()`, 256 bits), written with the record before Inquiry
   * Payment is queued, so a worker that dies between Inquiry Payment and Register Order still has it.
   * Sent to the broker (Inquiry Payment) and the host (Register Order) only — never to the vendor or
   * the page. Absent only in purchases endorsed before schema 3 (their side is recorded, not counted).
   */
  payerSalt?: string;
  status: PurchaseStatus;
  /** The confirmation window that shows (or showed) it. */
  windowId?: number;
  /**
   * Paid without a window, inside the shopper's allowance for this vendor and origin (schema 5): the
   * allowance's key. Absent for purchases the shopper approved in the window.
   */
  allowanceKey?: string;
  /**
   * What the allowance was charged for this purchase, and in which of its periods (allowances.ts):
   * given back to that period if the purchase ends without the shopper being charged. `creditBack`
   * records that this was settled (credited, or not because the period was over), so it happens once.
   */
  allowanceSpend?: {
    period: AllowancePeriod;
    periodStart: string;
    micros: number;
    creditBack?: { at: string; credited: boolean };
  };
  /**
   * Its place in the confirmation queue: taken when the page asked, before Get Order, so requests
   * are shown in the order they were made (`ConfirmQueue.arrival`). Absent before schema 4.
   */
  queueOrder?: number;
  endorsement?: SignedEndorsement;
  /** Request Order Delivery attempts that failed (one or more: `waiting_for_shop`). */
  deliveryFailures: number;
  /** Delivered purchases: the goods, kept as the receipt. */
  receipt?: StoredReceipt;
  /** Restored purchases: the receipt it was answered from, and what the page got (re-delivered goods). */
  restored?: { fromPurchaseId: string; result: PayResult };
  /** Why it ended without goods, or why it waits (the last delivery error): code and technical message. */
  error?: { code: string; message: string };
  /** The host acknowledged this wallet's Register Order. */
  registered: boolean;
  createdAt: string;
  updatedAt: string;
}

/**
 * One message from this wallet's host mailbox (Fetch Messages), kept as the inbox shows it. The id is
 * the sender and its message id (`<from> <messageId>`), so a message fetched twice is stored once.
 * Texts are the sender's, untrusted: stored as plain text with control and bidi characters removed,
 * and capped (inbox.ts), never as markup.
 */
export interface StoredMail {
  id: string;
  /** The host's mailbox cursor of this message (its order in the mailbox), as a number. */
  seq: number;
  from: string;
  messageId: string;
  /**
   * The host's kind: `Memo` (a vendor's reply, a broker's notice) or `RefundNotice`; `WalletNotice`
   * for the Wallet's own notices (inbox.ts `walletNotice`, from `wallet`).
   */
  kind: string;
  postedAt: string;
  fetchedAt: string;
  /** Who sent it, from the host's directory when it was fetched (absent when that failed). */
  sender?: { kind: "wallet" | "vendor" | "broker" | "host"; name?: string };
  subject?: string;
  text?: string;
  link?: string;
  /** The order it is about, as the sender says (a memo's `orderDigest`, a refund's order). */
  orderDigest?: string;
  refund?: {
    amount: { currency: string; value: string };
    brokerId: string;
    commitId: string;
    reason?: string;
  };
  /** 1 until the shopper reads it (IndexedDB cannot index booleans). */
  unread: 0 | 1;
  readAt?: string;
}

/** Where this wallet's reading of its host mailbox stands: the cursor of the last message stored. */
export interface InboxState {
  id: "host";
  cursor?: string;
  /** Epoch ms of the last fetch that reached the host. */
  fetchedAt?: number;
}

export interface WalletDB extends DBSchema {
  keys: { key: string; value: StoredKeyPair };
  meta: { key: string; value: WalletMeta };
  paycards: { key: string; value: StoredPaycard };
  /** Each module's own storage; the key is `<moduleId>/<key>`. */
  paycardStorage: { key: string; value: { key: string; value: Json } };
  outbox: { key: string; value: OutboxItem; indexes: { byState: string } };
  purchases: {
    key: string;
    value: StoredPurchase;
    indexes: {
      /** [createdAt, id]: the history's order, and its cursor (stable when newer attempts arrive). */
      byCreatedAt: [string, string];
      byState: PurchaseStatus;
      /** [vendorId, itemId]: "did I buy this here before?" */
      byVendorItem: [string, string];
      /** The order a mailbox message names (schema 4). */
      byOrderDigest: string;
    };
  };
  /** The inbox (schema 4): host mailbox messages, by their order in the mailbox and by read state. */
  inbox: { key: string; value: StoredMail; indexes: { bySeq: number; byUnread: number } };
  inboxState: { key: string; value: InboxState };
  /** The confirmation window and the per-origin cool-downs after a decline (schema 4, confirm-queue.ts). */
  confirmations: { key: string; value: ConfirmRecord };
  /** Per-vendor micropayment allowances (schema 5, allowances.ts), by `<vendorId> <origin>`. */
  allowances: { key: string; value: StoredAllowance };
}

/** How often an allowance renews: each calendar day, week (from Monday) or month, in the shopper's time zone. */
export type AllowancePeriod = "day" | "week" | "month";

/**
 * "Let this shop spend up to `limit` per `period` without asking" (allowances.ts). `spentMicros` is
 * what was spent in the period that began at `periodStart`; a later period starts from zero.
 */
export interface StoredAllowance {
  key: string;
  vendorId: string;
  origin: string;
  vendorName: string;
  /** Canonical money (normalizeMoney); compared as micro-units, never floats. */
  limit: { currency: string; value: string };
  period: AllowancePeriod;
  /** The start of the period `spentMicros` counts (ISO). */
  periodStart: string;
  spentMicros: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * `window`: the one confirmation window this Wallet has open (so a restarted worker finds it);
 * `cooldown:<origin>`: until when a page that was declined may not ask again.
 */
export type ConfirmRecord =
  | { key: "window"; windowId: number; openedAt: string }
  | { key: `cooldown:${string}`; origin: string; until: number };

export type WalletDatabase = IDBPDatabase<WalletDB>;

/**
 * The stores a write of the outbox touches: an acknowledgement (or a give-up) and its effect commit
 * together — the purchase moving on and its allowance credited back, Register Wallet's `meta`, and a
 * given-up Forget Paycard's credential deleted (`paycards`, `paycardStorage`) with its inbox notice.
 */
export const OUTBOX_WRITE_STORES = [
  "outbox",
  "purchases",
  "meta",
  "allowances",
  "paycards",
  "paycardStorage",
  "inbox",
] as const;
export type OutboxWriteTx = IDBPTransaction<WalletDB, typeof OUTBOX_WRITE_STORES, "readwrite">;

export const DB_NAME = "quickpay-wallet";
/**
 * 2: one `purchases` store (the history) instead of `pending` + `orders`; the outbox drives purchases.
 * 3: purchases carry a payer salt (no new store or index: the upgrade only fills it in, see below).
 * 4: the inbox (`inbox`, `inboxState`) and `purchases.byOrderDigest`; the confirmation queue's
 *    `confirmations` (its window, cool-downs); nothing existing changes.
 * 5: per-vendor allowances (`allowances`); purchases may carry `allowanceKey`; nothing existing changes.
 */
export const DB_VERSION = 5;

/**
 * Schema 3: every purchase not yet endorsed gets its payer salt, and every Inquiry Payment still in
 * the outbox gets its purchase's salt in its body — so a purchase approved by a Wallet of schema 2
 * pays, and registers, like a new one. Endorsed purchases are left as they are: their broker signed
 * no tag, so a salt would open nothing. Nothing is dropped; a schema-2 Wallet's records stay readable.
 */
async function addPayerSalts(tx: IDBPTransaction<WalletDB, StoreNames<WalletDB>[], "versionchange">) {
  const salts = new Map<string, string>();
  for (let c = await tx.objectStore("purchases").openCursor(); c; c = await c.continue()) {
    const p = c.value;
    if (p.payerSalt === undefined && p.endorsement === undefined) {
      const payerSalt = newPayerSalt();
      await c.update({ ...p, payerSalt });
      salts.set(p.id, payerSalt);
    } else if (p.payerSalt !== undefined) salts.set(p.id, p.payerSalt);
  }
  for (let c = await tx.objectStore("outbox").openCursor(); c; c = await c.continue()) {
    const item = c.value;
    const body = item.body as Record<string, Json> | null;
    const salt = item.purchaseId === undefined ? undefined : salts.get(item.purchaseId);
    if (
      item.type === "InquiryPayment" &&
      salt &&
      body &&
      typeof body === "object" &&
      !("payerSalt" in body)
    ) {
      await c.update({ ...item, body: { ...body, payerSalt: salt } });
    }
  }
}

export function openWalletDb(name = DB_NAME): Promise<WalletDatabase> {
  return openDB<WalletDB>(name, DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, transaction) {
      if (oldVersion < 1) {
        db.createObjectStore("keys", { keyPath: "id" });
        db.createObjectStore("meta", { keyPath: "id" });
        db.createObjectStore("paycards", { keyPath: "paycardId" });
        db.createObjectStore("paycardStorage", { keyPath: "key" });
      }
      if (oldVersion < 2) {
        // Wallet 0.1 (schema 1) was never released, so its purchase records are not carried over:
        // `pending` and `orders` are dropped, and the outbox is rebuilt in its new shape (a Register
        // Wallet still unacknowledged is queued again from `meta` by ensureWallet on the next start).
        // Keys, registration and Paycards stay.
        const old = db as unknown as IDBPDatabase;
        for (const name of ["pending", "orders", "outbox"]) {
          if (old.objectStoreNames.contains(name)) old.deleteObjectStore(name);
        }
        db.createObjectStore("outbox", { keyPath: "id" }).createIndex("byState", "state");
        const purchases = db.createObjectStore("purchases", { keyPath: "id" });
        purchases.createIndex("byCreatedAt", ["createdAt", "id"]);
        purchases.createIndex("byState", "status");
        purchases.createIndex("byVendorItem", ["vendorId", "itemId"]);
      }
      // Schema 2 → 3 only: a database made at 1 or less has no purchases to fill in.
      if (oldVersion === 2) void addPayerSalts(transaction);
      if (oldVersion < 4) {
        // Additive only: every record a schema-3 Wallet (or older, upgraded above) kept stays as it is.
        const inbox = db.createObjectStore("inbox", { keyPath: "id" });
        inbox.createIndex("bySeq", "seq");
        inbox.createIndex("byUnread", "unread");
        db.createObjectStore("inboxState", { keyPath: "id" });
        transaction.objectStore("purchases").createIndex("byOrderDigest", "orderDigest");
      }
      if (oldVersion < 4) {
        // The confirmation queue's window and cool-downs: short-lived, nothing to carry over.
        db.createObjectStore("confirmations", { keyPath: "key" });
      }
      if (oldVersion < 5) {
        // Additive only: no allowance existed before, and no record of schema 4 changes.
        db.createObjectStore("allowances", { keyPath: "key" });
      }
    },
  });
}

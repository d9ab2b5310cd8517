/**
 * The Wallet's IndexedDB: the schema is the `WalletDB` type. Everything the service worker must
 * remember across restarts lives here, because the browser may stop the worker at any moment.
 */
import type { Json } from "@quickpay/paycards";
import type { GiveUpReason, PayResult, SignedEndorsement, SignedOrder } from "@quickpay/protocol";
import { type DBSchema, type IDBPDatabase, type IDBPTransaction, openDB } from "idb";
import type { PurchaseStatus } from "../shared/messages";

export interface StoredKeyPair {
  id: "wallet";
  publicKey: string;
  /** Never leaves the service worker: only signatures do. */
  privateKey: string;
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
}

/** What the outbox sends: the wallet's two host messages and the two steps of an approved purchase. */
export type OutboxType = "RegisterWallet" | "RegisterOrder" | "InquiryPayment" | "RequestOrderDelivery";

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
  status: PurchaseStatus;
  windowId?: number;
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
    };
  };
}

export type WalletDatabase = IDBPDatabase<WalletDB>;

/** The stores a write of the outbox touches: an acknowledgement and its effect commit together. */
export const OUTBOX_WRITE_STORES = ["outbox", "purchases", "meta"] as const;
export type OutboxWriteTx = IDBPTransaction<WalletDB, typeof OUTBOX_WRITE_STORES, "readwrite">;

export const DB_NAME = "quickpay-wallet";
/** 2: one `purchases` store (the history) instead of `pending` + `orders`; the outbox drives purchases. */
export const DB_VERSION = 2;

export function openWalletDb(name = DB_NAME): Promise<WalletDatabase> {
  return openDB<WalletDB>(name, DB_VERSION, {
    upgrade(db, oldVersion) {
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
    },
  });
}

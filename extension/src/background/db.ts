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
  /**
   * This purchase's payer salt (`newPayerSalt()`, 256 bits), written with the record before Inquiry
   * Payment is queued, so a worker that dies between Inquiry Payment and Register Order still has it.
   * Sent to the broker (Inquiry Payment) and the host (Register Order) only — never to the vendor or
   * the page. Absent only in purchases endorsed before schema 3 (their side is recorded, not counted).
   */
  payerSalt?: string;
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
/**
 * 2: one `purchases` store (the history) instead of `pending` + `orders`; the outbox drives purchases.
 * 3: purchases carry a payer salt (no new store or index: the upgrade only fills it in, see below).
 */
export const DB_VERSION = 3;

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
    },
  });
}

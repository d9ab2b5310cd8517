/**
 * The Wallet's IndexedDB: the schema is the `WalletDB` type. Everything the service worker must
 * remember across restarts lives here, because the browser may stop the worker at any moment.
 */
import type { Json } from "@quickpay/paycards";
import type { MoneyWire, SignedEndorsement, SignedOrder } from "@quickpay/protocol";
import { type DBSchema, type IDBPDatabase, openDB } from "idb";

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

export interface StoredOrder {
  orderDigest: string;
  orderId: string;
  vendorId: string;
  vendorName: string;
  origin: string;
  description: string;
  amount: MoneyWire;
  paycardId: string;
  commitId: string;
  status: "delivered" | "failed";
  registered: boolean;
  createdAt: string;
}

export type OutboxType = "RegisterWallet" | "RegisterOrder";

export interface OutboxItem {
  /** The message id, reused on every resend (exactly-once at the receiver). */
  id: string;
  type: OutboxType;
  body: Json;
  state: "pending" | "done" | "failed";
  attempts: number;
  /** Epoch ms of the next send attempt. */
  nextAttemptAt: number;
  createdAt: string;
  lastError?: { code: string; message: string };
  ackedAt?: string;
}

export interface PendingPurchase {
  id: string;
  origin: string;
  itemId: string;
  vendor: { id: string; name: string; endpoint: string };
  signedOrder: SignedOrder;
  orderDigest: string;
  paycardId: string;
  moduleId: string;
  /** Fixed per purchase so a retried Inquiry Payment holds funds once. */
  inquiryMessageId: string;
  state: "pending" | "approved" | "done" | "failed";
  windowId?: number;
  endorsement?: SignedEndorsement;
  result?: Json;
  error?: { code: string; message: string };
  createdAt: string;
}

export interface WalletDB extends DBSchema {
  keys: { key: string; value: StoredKeyPair };
  meta: { key: string; value: WalletMeta };
  paycards: { key: string; value: StoredPaycard };
  /** Each module's own storage; the key is `<moduleId>/<key>`. */
  paycardStorage: { key: string; value: { key: string; value: Json } };
  orders: { key: string; value: StoredOrder; indexes: { byCreatedAt: string } };
  outbox: { key: string; value: OutboxItem; indexes: { byState: string } };
  pending: { key: string; value: PendingPurchase };
}

export type WalletDatabase = IDBPDatabase<WalletDB>;

export const DB_NAME = "quickpay-wallet";
const DB_VERSION = 1;

export function openWalletDb(name = DB_NAME): Promise<WalletDatabase> {
  return openDB<WalletDB>(name, DB_VERSION, {
    upgrade(db) {
      db.createObjectStore("keys", { keyPath: "id" });
      db.createObjectStore("meta", { keyPath: "id" });
      db.createObjectStore("paycards", { keyPath: "paycardId" });
      db.createObjectStore("paycardStorage", { keyPath: "key" });
      db.createObjectStore("orders", { keyPath: "orderDigest" }).createIndex("byCreatedAt", "createdAt");
      db.createObjectStore("outbox", { keyPath: "id" }).createIndex("byState", "state");
      db.createObjectStore("pending", { keyPath: "id" });
    },
  });
}

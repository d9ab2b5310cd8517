/** What a vendor hands `createVendorHandlers`: its identity, its catalogue, how it delivers. */
import type { FetchLike, MoneyWire, Order } from "@quickpay/protocol";
import type { VendorEvent } from "./events";
import type { VendorStore } from "./store";
import type { DeliveredContent } from "./types";

/** One thing the shop sells. Vendors may carry more fields; `deliver` receives the same object. */
export interface Item {
  /** The id the pay button names (`item="article-1"`); at most 77 characters of [A-Za-z0-9_.:-]. */
  id: string;
  /** Shown to the shopper in the Wallet's confirmation window. */
  description: string;
  /** In the protocol's money format, more than zero, e.g. `{ currency: "USD", value: "0.01" }`. */
  amount: MoneyWire;
  /**
   * "micro" (the default: paid and delivered at once) or "regular" (goods that ship later). This SDK
   * sells micro orders only so far: a regular item is refused `not_supported` (checkCatalog, Get Order).
   */
  kind?: "micro" | "regular";
  /**
   * How long a bought item is re-delivered to a Wallet that re-presents its receipt, signed into the
   * order as `receiptUntil`: "forever" (the default: an article), "once" (a game round: only the
   * Wallet's own retries until the endorsement expires) or for `validForMs` after the order was made.
   */
  receipt?: ReceiptPolicy;
}

export type ReceiptPolicy = "forever" | "once" | { validForMs: number };

export interface Catalog<I extends Item = Item> {
  /** Every item read is checked (`checkItem`) before an order is signed for it. */
  get(itemId: string): Promise<I | undefined>;
  /**
   * Every item, when the catalogue can list them (`defineCatalog` sets it): checked when the
   * handlers are created, which throw `invalid_catalog_item` naming every bad item.
   */
  items?: readonly I[];
}

/** Where the handlers report what a vendor's operator should see (pino's shape; silent by default). */
export interface VendorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface VendorConfig<I extends Item = Item> {
  /** `v_…`, from `registerVendor`. */
  vendorId: string;
  /** base64url Ed25519 seed; signs orders and the vendor's envelopes. */
  privateKey: string;
  /** The System Host: directory lookups and Register Delivery. */
  hostUrl: string;
  catalog: Catalog<I>;
  /**
   * Produces the goods for an accepted order. Called before Check Commit, and at most once per
   * commitment once it succeeds (its result is stored); its result is released to the Wallet only
   * after the broker confirmed the commitment live, so it must tolerate an order that ends unpaid.
   * A throw is logged, reported as a `deliver_failed` event, and answered `delivery_failed` (503):
   * the Wallet resends and the order continues from there.
   */
  deliver(item: I, order: Order): Promise<DeliveredContent>;
  /** How long an order may wait for its payment; default 10 minutes. */
  orderTtlMs?: number;
  now?: () => Date;
  fetch?: FetchLike;
  /**
   * The vendor's registered QuickPay endpoint (e.g. `https://shop.example/quickpay`); orders name
   * `${endpoint}/v1/request-order-delivery` as their delivery URL. When omitted it is derived from the
   * Get Order request's own URL, which is wrong behind a rewriting proxy — set it in production.
   */
  endpoint?: string;
  /** Delivery records and the Register Delivery outbox; in memory when omitted (lost on restart). */
  store?: VendorStore;
  /** How long a broker's directory entry is trusted before it is looked up again; default 1 minute (DEFAULT_DIRECTORY_TTL_MS). */
  directoryTtlMs?: number;
  /** How long one Register Delivery attempt may take; default 3 s. */
  registerTimeoutMs?: number;
  /**
   * Resend Register Delivery in the background on the retry policy's timer (default true); false
   * leaves resends to `flushOutbox()` (tests). The first send after a delivery happens either way.
   */
  outboxTimer?: boolean;
  logger?: VendorLogger;
  /**
   * Hears every step of Request Order Delivery (see `VendorEvent`), awaited before the step goes on;
   * an exception from it is logged and ignored.
   */
  onEvent?: (event: VendorEvent) => void | Promise<void>;
}

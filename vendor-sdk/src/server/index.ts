/** @quickpay/vendor-sdk — the vendor's server side: handlers, registration, stores, the demo shop. */
/** For a vendor's own node server: `server.on("clientError", answerClientError)` (README §2). */
export { answerClientError } from "@quickpay/protocol";
export type { DemoShopOptions, RunningShop } from "../demo-shop/shop";
export { startDemoShop } from "../demo-shop/shop";
export {
  assertSellable,
  type CatalogProblem,
  checkCatalog,
  checkItem,
  defineCatalog,
  MAX_DESCRIPTION_LENGTH,
} from "./catalog";
export type { Catalog, Item, ReceiptPolicy, VendorConfig, VendorLogger } from "./config";
export type {
  Answered,
  CommitChecked,
  DeliverFailed,
  OrderAccepted,
  OrderDelivered,
  OrderPrepared,
  OrderRefused,
  VendorEvent,
  VendorEventSubject,
  VendorEventType,
} from "./events";
export { JsonLinesVendorStore, readVendorStoreFile, type VendorStoreContents } from "./file-store";
export { createVendorHandlers, type VendorHandlers } from "./handlers";
export { corsHeaders, MAX_BODY_BYTES } from "./http";
export {
  buildOrder,
  DEFAULT_ORDER_TTL_MS,
  itemIdOf,
  MAX_ITEM_ID_LENGTH,
  receiptUntilFor,
} from "./orders";
export { type FlushResult, REGISTER_DELIVERY_POLICY } from "./outbox";
export { originProofResponse, registerVendor, type VendorRegistration } from "./register";
export { type SettlementConfig, type SettleReport, settlePending } from "./settlement";
export {
  type AcceptedDelivery,
  type DeliveredDelivery,
  type DeliveryRecord,
  type DeliverySettlement,
  type DeliveryState,
  MemoryVendorStore,
  type PendingRegistration,
  type PreparedDelivery,
  type RefusedDelivery,
  type VendorStore,
} from "./store";
export type { DeliveredContent, DeliveryReply } from "./types";

/** @quickpay/vendor-sdk — the vendor's server side: handlers, registration, stores, the demo shop. */
export type { DemoShopOptions, RunningShop } from "../demo-shop/shop";
export { startDemoShop } from "../demo-shop/shop";
export type { Catalog, Item, VendorConfig, VendorLogger } from "./config";
export { JsonLinesVendorStore } from "./file-store";
export { createVendorHandlers, type VendorHandlers } from "./handlers";
export { corsHeaders } from "./http";
export { buildOrder, DEFAULT_ORDER_TTL_MS, itemIdOf, MAX_ITEM_ID_LENGTH } from "./orders";
export type { FlushResult } from "./outbox";
export { registerVendor, type VendorRegistration } from "./register";
export { type SettlementConfig, type SettleReport, settlePending } from "./settlement";
export {
  type DeliveryRecord,
  type DeliverySettlement,
  MemoryVendorStore,
  type PendingRegistration,
  type VendorStore,
} from "./store";
export type { DeliveredContent, DeliveryReply } from "./types";

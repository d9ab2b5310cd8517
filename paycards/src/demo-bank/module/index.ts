/** `@quickpay/paycards/demo-bank`: the demo bank Paycard module, bundled into the Wallet. */
export { DEMO_BANK_MODULE_ID, DEMO_BANK_MODULE_VERSION, DEMO_BANK_NAME } from "./meta";
export { demoBankPaycard } from "./paycard";
export { paycardStorageKey, type StoredPaycard } from "./storage-keys";

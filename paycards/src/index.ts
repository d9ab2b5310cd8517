/**
 * `@quickpay/paycards`: the Paycard interface v1 and the registry of bundled modules. Browser-safe —
 * nothing reachable from here imports Node built-ins (the Wallet bundles it).
 */
export * from "./interface";
export { getPaycardModule, isPaycardModuleId, type PaycardModuleId, paycardModules } from "./registry";

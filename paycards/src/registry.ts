/**
 * Every Paycard module the Wallet ships, by module id. Modules are bundled at build time (MV3 allows
 * no remote code); adding a broker's Paycard means adding it here and rebuilding the Wallet.
 */
import { QuickPayError } from "@quickpay/protocol";
import { demoBankPaycard } from "./demo-bank/module";
import type { PaycardModule } from "./interface";

export const paycardModules = {
  "demo-bank": demoBankPaycard,
} satisfies Record<string, PaycardModule>;

export type PaycardModuleId = keyof typeof paycardModules;

export function isPaycardModuleId(value: unknown): value is PaycardModuleId {
  return typeof value === "string" && Object.hasOwn(paycardModules, value);
}

/** Throws `not_found` for a module this Wallet build does not carry. */
export function getPaycardModule(moduleId: string): PaycardModule {
  if (!isPaycardModuleId(moduleId)) {
    throw new QuickPayError("not_found", `this Wallet has no Paycard module "${moduleId}"`);
  }
  return paycardModules[moduleId];
}

/**
 * What the demo bank Paycard keeps in its own (Wallet-namespaced) storage. One record per Paycard, so a
 * Wallet can hold several demo bank cards (different accounts) side by side.
 */
import { QuickPayError } from "@quickpay/protocol";
import type { Json, PaycardStorage } from "../../interface";

/** `paycard:<paycardId>` → `{ credential, accountLabel, currency }`. */
export const paycardStorageKey = (paycardId: string) => `paycard:${paycardId}`;

export interface StoredPaycard {
  credential: string;
  accountLabel: string;
  currency: string;
}

export async function loadPaycard(storage: PaycardStorage, paycardId: string): Promise<StoredPaycard> {
  const value = await storage.get(paycardStorageKey(paycardId));
  if (!isStoredPaycard(value)) {
    throw new QuickPayError("no_paycard", `no credential stored for Paycard ${paycardId}; add it again`);
  }
  return value;
}

export async function savePaycard(storage: PaycardStorage, paycardId: string, card: StoredPaycard) {
  await storage.set(paycardStorageKey(paycardId), { ...card });
}

function isStoredPaycard(value: Json | undefined): value is Json & StoredPaycard {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  return (
    typeof value.credential === "string" &&
    typeof value.accountLabel === "string" &&
    typeof value.currency === "string"
  );
}

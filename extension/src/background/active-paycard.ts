/**
 * The active-Paycard rules: a wallet holds many Paycards and exactly one is active. Pure functions
 * over the stored list, applied inside one IndexedDB transaction by the callers.
 */
import { QuickPayError } from "@quickpay/protocol";
import type { StoredPaycard } from "./db";

/** Makes `paycardId` the only active card; unknown ids are refused and change nothing. */
export function activate(cards: StoredPaycard[], paycardId: string): StoredPaycard[] {
  if (!cards.some((c) => c.paycardId === paycardId)) {
    throw new QuickPayError("not_found", `no Paycard ${paycardId} in this wallet`);
  }
  return cards.map((c) => ({ ...c, active: c.paycardId === paycardId }));
}

/** Adds (or re-binds) a card; a freshly added card becomes the active one, as the user just chose it. */
export function addCard(cards: StoredPaycard[], card: StoredPaycard): StoredPaycard[] {
  const rest = cards.filter((c) => c.paycardId !== card.paycardId);
  return activate([...rest, { ...card, active: true }], card.paycardId);
}

/** The active card, repairing a list that has none or several (the oldest active one wins). */
export function activeCard(cards: StoredPaycard[]): StoredPaycard | undefined {
  const sorted = [...cards].sort((a, b) => a.addedAt.localeCompare(b.addedAt));
  return sorted.find((c) => c.active) ?? sorted[0];
}

export function requireActive(cards: StoredPaycard[]): StoredPaycard {
  const card = activeCard(cards);
  if (!card) throw new QuickPayError("no_paycard", "add a Paycard in the QuickPay Wallet's options first");
  return card;
}

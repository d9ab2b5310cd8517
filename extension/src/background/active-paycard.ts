/**
 * The active-Paycard rules: a wallet holds many Paycards and exactly one is active. Pure functions
 * over the stored list, applied inside one IndexedDB transaction by the callers.
 */
import { QuickPayError } from "@quickpay/protocol";
import type { StoredPaycard } from "./db";

const byAdded = (cards: StoredPaycard[]) => [...cards].sort((a, b) => a.addedAt.localeCompare(b.addedAt));

/** Makes `paycardId` the only active card; unknown ids are refused and change nothing. */
export function activate(cards: StoredPaycard[], paycardId: string): StoredPaycard[] {
  if (!cards.some((c) => c.paycardId === paycardId)) {
    throw new QuickPayError("not_found", `no Paycard ${paycardId} in this wallet`);
  }
  return cards.map((c) => ({ ...c, active: c.paycardId === paycardId }));
}

/**
 * Adds (or re-binds) a card. The shopper was asked whether it should pay from now on: `makeActive`
 * says what they answered. The first card is always active (a wallet with cards has one that pays);
 * a re-bound card that was active stays active.
 */
export function addCard(cards: StoredPaycard[], card: StoredPaycard, makeActive: boolean): StoredPaycard[] {
  const previous = cards.find((c) => c.paycardId === card.paycardId);
  const rest = cards.filter((c) => c.paycardId !== card.paycardId);
  const current = activeCard(rest);
  const next = [...rest, { ...card, active: false }];
  if (makeActive || !current || previous?.active) return activate(next, card.paycardId);
  return activate(next, current.paycardId);
}

/** What removing a card left: the remaining cards (exactly one active, unless none is left). */
export interface Removal {
  cards: StoredPaycard[];
  removed: StoredPaycard;
  /** The card active after the removal, and whether it became active because of it. */
  active: StoredPaycard | undefined;
  activeChanged: boolean;
}

/**
 * Removes a card. When it was the active one, the oldest remaining card becomes active (the same
 * card `activeCard` would pick), or none when it was the last; the caller tells the shopper which.
 */
export function removeCard(cards: StoredPaycard[], paycardId: string): Removal {
  const removed = cards.find((c) => c.paycardId === paycardId);
  if (!removed) throw new QuickPayError("not_found", `no Paycard ${paycardId} in this wallet`);
  const wasActive = activeCard(cards)?.paycardId === paycardId;
  const rest = cards.filter((c) => c.paycardId !== paycardId);
  const next = wasActive ? byAdded(rest)[0] : activeCard(rest);
  const remaining = next ? activate(rest, next.paycardId) : rest;
  return {
    cards: remaining,
    removed,
    active: remaining.find((c) => c.active),
    activeChanged: wasActive,
  };
}

/** The active card, repairing a list that has none or several (the oldest active one wins). */
export function activeCard(cards: StoredPaycard[]): StoredPaycard | undefined {
  const sorted = byAdded(cards);
  return sorted.find((c) => c.active) ?? sorted[0];
}

export function requireActive(cards: StoredPaycard[]): StoredPaycard {
  const card = activeCard(cards);
  if (!card) throw new QuickPayError("no_paycard", "add a Paycard in the QuickPay Wallet's options first");
  return card;
}

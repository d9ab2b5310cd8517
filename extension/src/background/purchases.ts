/**
 * The `purchases` store as the engine uses it: one purchase read or changed at a time, change
 * notifications for whoever waits on a purchase (a page's long poll), and the receipts a Wallet
 * may still re-present.
 */
import { QuickPayError, receiptRestorableUntil } from "@quickpay/protocol";
import type { StoredPurchase, WalletDatabase } from "./db";

/**
 * Until when (epoch ms) the shopper may be offered a copy of a delivered purchase: the receipt policy
 * signed into the order; -Infinity for a one-time purchase or a receipt the vendor stopped honouring.
 */
export function receiptGoodUntil(p: StoredPurchase): number {
  if (p.status !== "delivered" || !p.receipt || p.receipt.expired || !p.endorsement) {
    return Number.NEGATIVE_INFINITY;
  }
  return receiptRestorableUntil(p.signedOrder.order);
}

/** The history's and the confirmation window's form of a receipt's validity: "forever", a time, or null. */
export function receiptUntilView(p: StoredPurchase, now: number): "forever" | string | null {
  const until = receiptGoodUntil(p);
  if (until <= now) return null;
  return until === Number.POSITIVE_INFINITY ? "forever" : new Date(until).toISOString();
}

export class Purchases {
  private readonly waiters = new Map<string, Set<() => void>>();
  private anyWaiters = new Set<() => void>();

  constructor(
    private readonly db: WalletDatabase,
    private readonly now: () => Date,
  ) {}

  async get(purchaseId: string): Promise<StoredPurchase> {
    const p = await this.db.get("purchases", purchaseId);
    if (!p) throw new QuickPayError("not_found", `no purchase ${purchaseId}`);
    return p;
  }

  async put(p: StoredPurchase): Promise<void> {
    await this.db.put("purchases", p);
    this.notify(p.id);
  }

  /**
   * Changes one purchase in its own transaction; `change` returns undefined to leave it as it is.
   * Resolves with the purchase as stored afterwards.
   */
  async update(
    purchaseId: string,
    change: (p: StoredPurchase) => StoredPurchase | undefined,
  ): Promise<StoredPurchase> {
    const tx = this.db.transaction("purchases", "readwrite");
    const p = await tx.store.get(purchaseId);
    if (!p) {
      await tx.done;
      throw new QuickPayError("not_found", `no purchase ${purchaseId}`);
    }
    const next = change(p);
    if (next) await tx.store.put({ ...next, updatedAt: this.now().toISOString() });
    await tx.done;
    if (!next) return p;
    this.notify(purchaseId);
    return next;
  }

  /** Resolves at the next change of this purchase (made by this engine). */
  changed(purchaseId: string): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(purchaseId) ?? new Set();
      this.waiters.set(purchaseId, set);
      set.add(resolve);
    });
  }

  /** Resolves at the next change of any purchase (the confirmation queue's long poll). */
  changedAny(): Promise<void> {
    return new Promise((resolve) => this.anyWaiters.add(resolve));
  }

  notify(purchaseId: string): void {
    const set = this.waiters.get(purchaseId);
    this.waiters.delete(purchaseId);
    for (const resolve of set ?? []) resolve();
    const any = this.anyWaiters;
    this.anyWaiters = new Set();
    for (const resolve of any) resolve();
  }

  /** Purchases in one state, e.g. every open confirmation. */
  inState(status: StoredPurchase["status"]): Promise<StoredPurchase[]> {
    return this.db.getAllFromIndex("purchases", "byState", status);
  }

  /**
   * Delivered purchases of `itemId` at `vendorId` whose receipt the vendor still honours at `now`,
   * most recently delivered first.
   */
  async goodReceipts(vendorId: string, itemId: string, now: number): Promise<StoredPurchase[]> {
    const all = await this.db.getAllFromIndex("purchases", "byVendorItem", [vendorId, itemId]);
    return all
      .filter((p) => receiptGoodUntil(p) > now)
      .sort((a, b) => b.receipt!.deliveredAt.localeCompare(a.receipt!.deliveredAt));
  }
}

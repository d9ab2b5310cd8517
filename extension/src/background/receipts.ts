/**
 * Receipts: "show what I already bought". The Wallet re-presents a delivered purchase's signed order
 * and endorsement to its vendor (the same Request Order Delivery, idempotent by commit id), and the
 * vendor answers with its stored delivery for as long as its receipt policy says. Nothing is charged
 * again, and the vendor learns nothing about who asks: Request Order Delivery carries no wallet id.
 */
import {
  type DirectoryClient,
  type FetchLike,
  type PayResult,
  QuickPayError,
  type ReplyOf,
  sendMessage,
} from "@quickpay/protocol";
import type { StoredPurchase } from "./db";
import type { Purchases } from "./purchases";

export interface ReceiptDeps {
  purchases: Purchases;
  directory: DirectoryClient;
  fetch?: FetchLike;
  now: () => Date;
}

export class Receipts {
  constructor(private readonly deps: ReceiptDeps) {}

  /**
   * The page's `restore`: the newest good receipt for `itemId` at the vendor this page's `origin`
   * belongs to (from the browser's sender, checked against the directory), re-delivered; null when
   * this Wallet holds none. A vendor's receipts are only ever shown to that vendor's pages.
   */
  async restore(origin: string, itemId: string): Promise<PayResult | null> {
    const vendor = await this.deps.directory.vendorByOrigin(origin);
    const receipts = await this.deps.purchases.goodReceipts(vendor.id, itemId, this.deps.now().getTime());
    for (const receipt of receipts) {
      const result = await this.represent(receipt, vendor.endpoint);
      if (result) return result;
    }
    return null;
  }

  /**
   * The confirmation window's "Open my copy": answers the open purchase `purchaseId` from the good
   * receipt its window offered, instead of paying again; the page's wait gets the restored result.
   */
  async useReceipt(purchaseId: string): Promise<void> {
    const { purchases } = this.deps;
    const p = await purchases.get(purchaseId);
    if (p.status === "restored") return;
    if (p.status !== "confirming") {
      throw new QuickPayError("conflict", `purchase ${purchaseId} was answered already (${p.status})`);
    }
    const receipts = await purchases.goodReceipts(p.vendorId, p.itemId, this.deps.now().getTime());
    for (const receipt of receipts) {
      if (receipt.id === p.id) continue;
      const result = await this.represent(receipt, p.vendor.endpoint);
      if (!result) continue;
      const stored = await purchases.update(purchaseId, (x) =>
        x.status === "confirming"
          ? { ...x, status: "restored", restored: { fromPurchaseId: receipt.id, result } }
          : undefined,
      );
      if (stored.status !== "restored") {
        throw new QuickPayError("conflict", `purchase ${purchaseId} was answered already (${stored.status})`);
      }
      return;
    }
    throw new QuickPayError("receipt_expired", `no receipt for ${p.itemId} is good at this shop any more`);
  }

  /**
   * Re-presents one receipt; null when the vendor no longer honours it (`receipt_expired`, remembered
   * so it is not offered again). Any other failure (the shop unreachable) is thrown: the receipt stays.
   */
  private async represent(receipt: StoredPurchase, endpoint: string): Promise<PayResult | null> {
    if (!receipt.endorsement || !receipt.receipt) return null;
    let delivered: ReplyOf<"RequestOrderDelivery">;
    try {
      delivered = await sendMessage(
        endpoint,
        "RequestOrderDelivery",
        { order: receipt.signedOrder, endorsement: receipt.endorsement },
        this.deps.fetch ? { fetch: this.deps.fetch } : {},
      );
    } catch (error) {
      if (!(error instanceof QuickPayError) || error.code !== "receipt_expired") throw error;
      await this.deps.purchases.update(receipt.id, (r) =>
        r.receipt ? { ...r, receipt: { ...r.receipt, expired: true } } : undefined,
      );
      return null;
    }
    if (delivered.orderDigest !== receipt.orderDigest) {
      throw new QuickPayError("mismatch", "the vendor re-delivered a different order");
    }
    const order = receipt.signedOrder.order;
    return {
      status: "restored",
      orderDigest: receipt.orderDigest,
      description: order.description,
      amount: order.amount,
      content: delivered.content,
      deliveredAt: receipt.receipt.deliveredAt,
    };
  }
}

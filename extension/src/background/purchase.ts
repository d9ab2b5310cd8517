/**
 * The micropayment engine (DESIGN §4.2.1, the Wallet's side): Get Order → Confirm Order → Inquiry
 * Payment via the active Paycard → Request Order Delivery → Register Order. Every step's state is in
 * IndexedDB (`pending`), so a confirmation survives a service-worker restart and an approved purchase
 * is finished by the next worker if the previous one died.
 */

import type { Json } from "@quickpay/paycards";
import type { DirectoryClient } from "@quickpay/protocol";
import {
  type FetchLike,
  newId,
  newMessageId,
  orderDigest,
  type PayResult,
  QuickPayError,
  type RegistrationFacts,
  sendMessage,
} from "@quickpay/protocol";
import type { ConfirmationView, OrderView } from "../shared/messages";
import { verifyEndorsement, verifyOrder } from "./checks";
import type { PendingPurchase, StoredOrder, WalletDatabase } from "./db";
import type { Outbox } from "./outbox";
import type { PaycardHost } from "./paycard-host";

export interface PurchaseDeps {
  db: WalletDatabase;
  directory: DirectoryClient;
  paycards: PaycardHost;
  outbox: Outbox;
  fetch?: FetchLike;
  now?: () => Date;
  /** Opens the confirmation window for a pending purchase; returns its window id. */
  openConfirmation: (purchaseId: string) => Promise<number | undefined>;
  /** Whether a confirmation window is still open (a dead worker may have missed its closing). */
  confirmationOpen?: (windowId: number) => Promise<boolean>;
}

const RECENT_ORDERS = 20;

export class PurchaseEngine {
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly deps: PurchaseDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * Get Order and everything checked before a person is asked. `origin` comes from the browser's
   * sender information, never from the page. Nothing opens for a page that is not a vendor's.
   */
  async startPurchase(origin: string, itemId: string): Promise<string> {
    const vendor = await this.deps.directory.vendorByOrigin(origin);
    await this.onlyOneConfirmation(origin);
    const signed = await sendMessage(vendor.endpoint!, "GetOrder", { itemId }, { fetch: this.deps.fetch });
    await verifyOrder(signed, vendor, this.now());
    const card = await this.deps.paycards.active();
    const pending: PendingPurchase = {
      id: newId(),
      origin,
      itemId,
      vendor: { id: vendor.id, name: vendor.name ?? vendor.id, endpoint: vendor.endpoint! },
      signedOrder: signed,
      orderDigest: orderDigest(signed.order),
      paycardId: card.paycardId,
      moduleId: card.moduleId,
      inquiryMessageId: newMessageId(),
      state: "pending",
      createdAt: this.now().toISOString(),
    };
    await this.deps.db.put("pending", pending);
    const windowId = await this.deps.openConfirmation(pending.id);
    if (windowId !== undefined) await this.update(pending.id, (p) => ({ ...p, windowId }));
    return pending.id;
  }

  /**
   * A page gets one confirmation window at a time, so it cannot bury the person under windows. A
   * window that is gone (closed while no worker listened) counts as declined.
   */
  private async onlyOneConfirmation(origin: string): Promise<void> {
    for (const p of await this.deps.db.getAll("pending")) {
      if (p.origin !== origin || p.state !== "pending") continue;
      if (p.windowId === undefined || (await this.isOpen(p.windowId))) {
        throw new QuickPayError("rate_limited", "a payment confirmation for this page is already open");
      }
      await this.decide(p.id, false);
    }
  }

  private async isOpen(windowId: number): Promise<boolean> {
    return this.deps.confirmationOpen ? this.deps.confirmationOpen(windowId) : true;
  }

  /** Declines purchases whose confirmation window disappeared while no worker was running. */
  async declineOrphans(): Promise<void> {
    for (const p of await this.deps.db.getAll("pending")) {
      if (p.state === "pending" && p.windowId !== undefined && !(await this.isOpen(p.windowId))) {
        await this.decide(p.id, false);
      }
    }
  }

  /**
   * Resolves when the purchase is delivered, rejects with its error; safe to call again after a
   * restart. Only the page origin that started the purchase may wait for (and read) its content.
   */
  async awaitPurchase(purchaseId: string, origin?: string): Promise<PayResult> {
    if (origin !== undefined && (await this.get(purchaseId)).origin !== origin) {
      throw new QuickPayError("not_found", `no purchase ${purchaseId} for this page`);
    }
    for (;;) {
      const changed = this.changed(purchaseId);
      const p = await this.get(purchaseId);
      if (p.state === "done") return p.result as unknown as PayResult;
      if (p.state === "failed")
        throw new QuickPayError(errorCode(p.error?.code), p.error?.message ?? "failed");
      await changed;
    }
  }

  async confirmation(purchaseId: string): Promise<ConfirmationView> {
    const p = await this.get(purchaseId);
    const card = (await this.deps.db.get("paycards", p.paycardId)) ?? undefined;
    const view = card ? this.deps.paycards.view(card) : undefined;
    return {
      id: p.id,
      vendorName: p.vendor.name,
      vendorId: p.vendor.id,
      origin: p.origin,
      description: p.signedOrder.order.description,
      amount: p.signedOrder.order.amount,
      paycard: { name: view?.name ?? p.moduleId, accountLabel: view?.accountLabel ?? "" },
      expiresAt: p.signedOrder.order.expiresAt,
      state: p.state,
    };
  }

  /** Confirm Order: the person's answer. A second answer to the same purchase changes nothing. */
  async decide(purchaseId: string, approve: boolean): Promise<void> {
    const p = await this.get(purchaseId);
    if (p.state !== "pending") return;
    if (!approve) {
      await this.finish(purchaseId, {
        state: "failed",
        error: { code: "declined", message: "declined by the user" },
      });
      return;
    }
    await this.update(purchaseId, (x) => ({ ...x, state: "approved" }));
    this.notify(purchaseId);
    // Not awaited by the confirmation window; the page's awaitPurchase sees the outcome.
    void this.complete(purchaseId);
  }

  /** Closing the confirmation window is declining, unless it was already answered. */
  async windowClosed(windowId: number): Promise<void> {
    const all = await this.deps.db.getAll("pending");
    for (const p of all) if (p.windowId === windowId && p.state === "pending") await this.decide(p.id, false);
  }

  /** Finishes purchases a dead worker left approved but unfinished (same inquiry id: no double hold). */
  async resumeApproved(): Promise<void> {
    const all = await this.deps.db.getAll("pending");
    await Promise.all(all.filter((p) => p.state === "approved").map((p) => this.complete(p.id)));
  }

  /** Inquiry Payment → verify the endorsement → Request Order Delivery → record → Register Order. */
  async complete(purchaseId: string): Promise<void> {
    const p = await this.get(purchaseId);
    if (p.state !== "approved") return;
    const order = p.signedOrder.order;
    let endorsement = p.endorsement;
    try {
      const card = await this.deps.db.get("paycards", p.paycardId);
      if (!card) throw new QuickPayError("no_paycard", "the Paycard chosen for this purchase was removed");
      if (!endorsement) {
        // A confirmation left open past the order's expiry must not hold funds for a dead order.
        if (Date.parse(order.expiresAt) <= this.now().getTime()) {
          throw new QuickPayError("order_expired", `order ${order.orderId} expired at ${order.expiresAt}`);
        }
        const got = await this.deps.paycards.inquirePayment(card, {
          orderDigest: p.orderDigest,
          vendorId: order.vendorId,
          amount: order.amount,
          kind: order.kind,
          orderExpiresAt: order.expiresAt,
          messageId: p.inquiryMessageId,
        });
        const broker = await this.deps.directory.active(got.endorsement.endorsement.brokerId, "broker");
        await verifyEndorsement(
          got.endorsement,
          {
            orderDigest: p.orderDigest,
            vendorId: order.vendorId,
            amount: order.amount,
            brokerId: got.brokerId,
          },
          broker,
          this.now(),
        );
        endorsement = got.endorsement;
        await this.update(purchaseId, (x) => ({ ...x, endorsement }));
      }
      const delivered = await sendMessage(
        p.vendor.endpoint,
        "RequestOrderDelivery",
        { order: p.signedOrder, endorsement },
        { fetch: this.deps.fetch },
      );
      if (delivered.orderDigest !== p.orderDigest) {
        throw new QuickPayError("mismatch", "the vendor delivered a different order");
      }
      const facts: RegistrationFacts = {
        orderDigest: p.orderDigest,
        commitId: endorsement.endorsement.commitId,
        vendorId: order.vendorId,
        amount: order.amount,
      };
      await this.recordOrder(p, facts.commitId, "delivered");
      // Outbox id fixed per order digest: a resumed purchase queues the same Register Order.
      await this.deps.outbox.enqueue(
        "RegisterOrder",
        facts as unknown as Json,
        `ro_${p.orderDigest.slice(0, 40)}`,
      );
      void this.deps.outbox.flush().catch(() => undefined);
      const result: PayResult = {
        status: "delivered",
        orderDigest: p.orderDigest,
        description: order.description,
        amount: order.amount,
        content: delivered.content,
      };
      await this.finish(purchaseId, { state: "done", result: result as unknown as Json });
    } catch (error) {
      const e =
        error instanceof QuickPayError ? error : new QuickPayError("internal", (error as Error).message);
      // Money is held once the broker endorsed: keep the order visible so the person can see it.
      if (endorsement) await this.recordOrder(p, endorsement.endorsement.commitId, "failed");
      await this.finish(purchaseId, { state: "failed", error: { code: e.code, message: e.message } });
    }
  }

  private async recordOrder(p: PendingPurchase, commitId: string, status: StoredOrder["status"]) {
    const order = p.signedOrder.order;
    const existing = await this.deps.db.get("orders", p.orderDigest);
    await this.deps.db.put("orders", {
      orderDigest: p.orderDigest,
      orderId: order.orderId,
      vendorId: order.vendorId,
      vendorName: p.vendor.name,
      origin: p.origin,
      description: order.description,
      amount: order.amount,
      paycardId: p.paycardId,
      commitId,
      status,
      registered: existing?.registered ?? false,
      createdAt: existing?.createdAt ?? this.now().toISOString(),
    });
  }

  /** Called when the host acknowledges Register Order. */
  async markOrderRegistered(orderDigestHex: string): Promise<void> {
    const o = await this.deps.db.get("orders", orderDigestHex);
    if (o) await this.deps.db.put("orders", { ...o, registered: true });
  }

  async recentOrders(): Promise<OrderView[]> {
    const orders = await this.deps.db.getAllFromIndex("orders", "byCreatedAt");
    return orders
      .reverse()
      .slice(0, RECENT_ORDERS)
      .map((o) => ({
        orderDigest: o.orderDigest,
        orderId: o.orderId,
        description: o.description,
        amount: o.amount,
        vendorName: o.vendorName,
        origin: o.origin,
        status: o.status,
        registered: o.registered,
        createdAt: o.createdAt,
      }));
  }

  private async get(purchaseId: string): Promise<PendingPurchase> {
    const p = await this.deps.db.get("pending", purchaseId);
    if (!p) throw new QuickPayError("not_found", `no purchase ${purchaseId}`);
    return p;
  }

  private async update(purchaseId: string, change: (p: PendingPurchase) => PendingPurchase) {
    const tx = this.deps.db.transaction("pending", "readwrite");
    const p = await tx.store.get(purchaseId);
    if (p) await tx.store.put(change(p));
    await tx.done;
  }

  private async finish(purchaseId: string, outcome: Partial<PendingPurchase>) {
    await this.update(purchaseId, (p) => ({ ...p, ...outcome }));
    this.notify(purchaseId);
  }

  private changed(purchaseId: string): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(purchaseId) ?? new Set();
      this.waiters.set(purchaseId, set);
      set.add(resolve);
    });
  }

  private notify(purchaseId: string) {
    const set = this.waiters.get(purchaseId);
    this.waiters.delete(purchaseId);
    for (const resolve of set ?? []) resolve();
  }
}

function errorCode(code: string | undefined): QuickPayError["code"] {
  const e = QuickPayError.fromJSON({ error: { code, message: "" } });
  return e.code;
}

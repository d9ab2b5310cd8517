/**
 * The two outbox steps of an approved micropayment (DESIGN §4.2.1, the Wallet's side):
 *
 * 1. Inquiry Payment through the purchase's Paycard, under the purchase's fixed message id (the
 *    broker holds funds once however often it is asked), and the endorsement checked. Acknowledged:
 *    the endorsement is stored and Request Order Delivery queued, in one transaction.
 * 2. Request Order Delivery: the same `{ order, endorsement }` until the vendor delivers (idempotent by
 *    commit id at the vendor) or refuses for good. Delivered: the receipt is stored and Register Order
 *    queued, in one transaction. Every failed attempt makes the purchase `waiting_for_shop`.
 *
 * A purchase ends `failed` when it stopped before any endorsement, `not_charged` when the vendor
 * refused for good after one (nothing was claimed: the broker releases the hold by the endorsement's
 * expiry), and `failed`/`vendor_unreachable` when the vendor never answered for a week after that.
 */
import type { InquirePaymentArgs, Json } from "@quickpay/paycards";
import {
  DELIVERY_RETRY_GRACE_MS,
  type DirectoryClient,
  type FetchLike,
  type OrderRegistrationFacts,
  payerTag,
  QuickPayError,
  type ReplyOf,
  type SignedEndorsement,
  type SignedOrder,
  sendMessage,
} from "@quickpay/protocol";
import { creditAllowanceBack } from "./allowances";
import { verifyEndorsement } from "./checks";
import type { OutboxItem, StoredPurchase, WalletDatabase } from "./db";
import { newOutboxItem, type OutboxKind, type OutboxWrite } from "./outbox-store";
import type { PaycardHost } from "./paycard-host";
import type { Purchases } from "./purchases";

/** What the Paycard is asked to endorse (the module adds the Paycard's credential). */
export type InquiryArgs = Omit<InquirePaymentArgs, "paycardId" | "messageId">;

export interface DeliveryRequest {
  order: SignedOrder;
  endorsement: SignedEndorsement;
}

export interface PurchaseStepDeps {
  db: WalletDatabase;
  purchases: Purchases;
  paycards: PaycardHost;
  directory: DirectoryClient;
  fetch?: FetchLike;
  now: () => Date;
}

/** The outbox id of a purchase's Request Order Delivery: one per commitment, as the vendor keys it. */
export function deliveryItemId(commitId: string): string {
  return `rod_${commitId}`;
}

/** The outbox id of Register Order, fixed per order digest: a resumed purchase queues the same one. */
export function registerOrderId(orderDigest: string): string {
  return `ro_${orderDigest.slice(0, 40)}`;
}

/**
 * Inquiry Payment's outbox item, queued when the person approves. Its deadline is the order's expiry.
 * Its body carries the purchase's payer salt, for the broker only (the Paycard module sends it).
 */
export function inquiryItem(p: StoredPurchase, now: Date): OutboxItem {
  const order = p.signedOrder.order;
  if (p.payerSalt === undefined) {
    throw new QuickPayError("internal", `purchase ${p.id} has no payer salt to give its broker`);
  }
  const args: InquiryArgs = {
    orderDigest: p.orderDigest,
    vendorId: order.vendorId,
    amount: order.amount,
    kind: order.kind,
    orderExpiresAt: order.expiresAt,
    payerSalt: p.payerSalt,
  };
  return newOutboxItem("InquiryPayment", args as unknown as Json, p.inquiryMessageId, now, {
    purchaseId: p.id,
    deadline: Date.parse(order.expiresAt),
  });
}

async function purchaseIn(write: OutboxWrite, item: OutboxItem): Promise<StoredPurchase | undefined> {
  return item.purchaseId === undefined ? undefined : write.tx.objectStore("purchases").get(item.purchaseId);
}

/**
 * Every purchase change the outbox makes goes through here, in its transaction: an allowance purchase
 * that ends with its amount not taken is credited back to its allowance in the same commit.
 */
async function savePurchase(write: OutboxWrite, p: StoredPurchase): Promise<void> {
  const settled = await creditAllowanceBack(write.tx.objectStore("allowances"), p, write.now);
  await write.tx.objectStore("purchases").put({ ...settled, updatedAt: write.now.toISOString() });
}

export function purchaseSteps(deps: PurchaseStepDeps): {
  InquiryPayment: OutboxKind;
  RequestOrderDelivery: OutboxKind;
} {
  const { purchases } = deps;
  const fetchOption = deps.fetch ? { fetch: deps.fetch } : {};
  const wake = (item: OutboxItem) => {
    if (item.purchaseId !== undefined) purchases.notify(item.purchaseId);
  };

  const inquiryPayment: OutboxKind = {
    async send(item) {
      const p = await purchases.get(item.purchaseId ?? "");
      // Acknowledged by a worker that died before the outbox heard: the broker's answer is kept.
      if (p.endorsement) return p.endorsement;
      const order = p.signedOrder.order;
      // A confirmation left open past the order's expiry must not hold funds for a dead order.
      if (Date.parse(order.expiresAt) <= deps.now().getTime()) {
        throw new QuickPayError("order_expired", `order ${order.orderId} expired at ${order.expiresAt}`);
      }
      const card = await deps.db.get("paycards", p.paycardId);
      if (!card) throw new QuickPayError("no_paycard", "the Paycard chosen for this purchase was removed");
      const args = item.body as unknown as InquiryArgs;
      const payerSalt = args.payerSalt ?? p.payerSalt;
      if (payerSalt === undefined) {
        throw new QuickPayError("internal", `purchase ${p.id} has no payer salt to give its broker`);
      }
      const meta = await deps.db.get("meta", "wallet");
      if (!meta) throw new QuickPayError("not_registered", "the wallet has no identity yet");
      const got = await deps.paycards.inquirePayment(card, { ...args, payerSalt, messageId: item.id });
      // The directory being away (host_unreachable) is a failure like any other: retried.
      const broker = await deps.directory.active(got.endorsement.endorsement.brokerId, "broker");
      await verifyEndorsement(
        got.endorsement,
        {
          orderDigest: p.orderDigest,
          vendorId: order.vendorId,
          amount: order.amount,
          brokerId: got.brokerId,
          kind: order.kind,
          // The tag the host will open with this wallet's id and salt in Register Order.
          payerTag: payerTag(meta.walletId, payerSalt),
        },
        broker,
        deps.now(),
      );
      return got.endorsement;
    },
    async acknowledged(write, item, reply) {
      const p = await purchaseIn(write, item);
      if (p?.status !== "paying" || p.endorsement) return;
      const endorsement = reply as SignedEndorsement;
      await savePurchase(write, { ...p, endorsement });
      const request: DeliveryRequest = { order: p.signedOrder, endorsement };
      await write.queue(
        newOutboxItem(
          "RequestOrderDelivery",
          request as unknown as Json,
          deliveryItemId(endorsement.endorsement.commitId),
          write.now,
          {
            purchaseId: p.id,
            deadline: Date.parse(endorsement.endorsement.expiresAt) + DELIVERY_RETRY_GRACE_MS,
          },
        ),
      );
    },
    async failed(write, item, attempt) {
      if (item.state !== "failed") return; // retried: still paying
      const p = await purchaseIn(write, item);
      if (p?.status !== "paying" || p.endorsement) return;
      await savePurchase(write, { ...p, status: "failed", error: attempt.error });
    },
    written: wake,
  };

  const requestOrderDelivery: OutboxKind = {
    async send(item) {
      const p = await purchases.get(item.purchaseId ?? "");
      const request = item.body as unknown as DeliveryRequest;
      const delivered = await sendMessage(p.vendor.endpoint, "RequestOrderDelivery", request, fetchOption);
      if (
        delivered.orderDigest !== p.orderDigest ||
        delivered.commitId !== request.endorsement.endorsement.commitId
      ) {
        throw new QuickPayError("mismatch", "the vendor delivered a different order");
      }
      return delivered;
    },
    async acknowledged(write, item, reply) {
      const p = await purchaseIn(write, item);
      if (!p || (p.status !== "paying" && p.status !== "waiting_for_shop")) return;
      const delivered = reply as ReplyOf<"RequestOrderDelivery">;
      const { error: _waitingReason, ...rest } = p;
      await savePurchase(write, {
        ...rest,
        status: "delivered",
        receipt: { content: delivered.content, deliveredAt: delivered.deliveredAt },
      });
      // The salt opens the endorsement's payer tag to the host (and to no one else: this message goes
      // to the host only). A purchase endorsed without a tag (before schema 3) registers without it.
      const opensTag = p.payerSalt !== undefined && p.endorsement?.endorsement.payerTag !== undefined;
      const facts: OrderRegistrationFacts = {
        orderDigest: p.orderDigest,
        commitId: delivered.commitId,
        vendorId: p.vendorId,
        amount: p.signedOrder.order.amount,
        ...(opensTag ? { payerSalt: p.payerSalt } : {}),
      };
      await write.queue(
        newOutboxItem("RegisterOrder", facts as unknown as Json, registerOrderId(p.orderDigest), write.now, {
          purchaseId: p.id,
        }),
      );
    },
    async failed(write, item, attempt) {
      const p = await purchaseIn(write, item);
      if (!p || (p.status !== "paying" && p.status !== "waiting_for_shop")) return;
      const next: StoredPurchase = { ...p, deliveryFailures: p.deliveryFailures + 1, error: attempt.error };
      if (attempt.verdict.retry) next.status = "waiting_for_shop";
      else if (attempt.verdict.reason === "expired") {
        // A week past the endorsement's expiry and still no answer from the shop.
        next.status = "failed";
        next.error = {
          code: "vendor_unreachable",
          message: `no answer from the vendor after ${item.failures} attempts: ${attempt.error.message}`,
        };
      } else {
        // The vendor refused for good. `receipt_expired` means it had delivered to an earlier attempt
        // whose answer never arrived: charged, so not "not charged".
        next.status = attempt.error.code === "receipt_expired" ? "failed" : "not_charged";
      }
      await savePurchase(write, next);
    },
    written: wake,
  };

  return { InquiryPayment: inquiryPayment, RequestOrderDelivery: requestOrderDelivery };
}

/** Register Order acknowledged by the host: the history shows the host has the wallet's side. */
export async function markOrderRegistered(write: OutboxWrite, item: OutboxItem): Promise<void> {
  const p = await purchaseIn(write, item);
  if (p && !p.registered) await savePurchase(write, { ...p, registered: true });
}

/**
 * The vendor's side of the order and the commitment, free of I/O: building and signing an order for
 * an item, and every check Request Order Delivery makes before it asks the broker anything.
 */
import {
  assertEndorsementSignature,
  assertOrderSignature,
  newId,
  Order,
  QuickPayError,
  type SignedEndorsement,
  type SignedOrder,
  sameMoney,
  signOrder,
} from "@quickpay/protocol";
import type { Item, ReceiptPolicy } from "./config";

export const DEFAULT_ORDER_TTL_MS = 10 * 60_000;

/** A 22-character random part, a colon, the item id: ≤ 100 characters, so item ids ≤ 77. */
const RANDOM_PART_LENGTH = 22;
export const MAX_ITEM_ID_LENGTH = 100 - RANDOM_PART_LENGTH - 1;

/**
 * The order id carries the item id, so delivery needs no per-order state: the vendor signed the order,
 * so whatever it says about the item is the vendor's own word. The random part keeps ids unique.
 */
export function orderIdFor(itemId: string): string {
  if (itemId.length > MAX_ITEM_ID_LENGTH) {
    throw new QuickPayError("invalid_request", `item ids are at most ${MAX_ITEM_ID_LENGTH} characters`);
  }
  return `${newId()}:${itemId}`;
}

/** The item an order of this vendor is for, or undefined for an order id this SDK did not make. */
export function itemIdOf(orderId: string): string | undefined {
  const colon = orderId.indexOf(":");
  return colon === RANDOM_PART_LENGTH ? orderId.slice(colon + 1) : undefined;
}

export interface BuildOrderArgs {
  vendorId: string;
  item: Item;
  deliveryUrl: string;
  now: Date;
  ttlMs?: number;
}

/**
 * The item's receipt policy as the order's `receiptUntil`: "forever" (the default), an ISO time
 * `validForMs` after the order was made, or absent for "once". `internal` for a policy that is
 * none of these — the catalogue's fault.
 */
export function receiptUntilFor(
  itemId: string,
  policy: ReceiptPolicy | undefined,
  createdAt: Date,
): { receiptUntil?: Order["receiptUntil"] } {
  if (policy === undefined || policy === "forever") return { receiptUntil: "forever" };
  if (policy === "once") return {};
  const ms = (policy as { validForMs?: unknown } | null)?.validForMs;
  if (
    typeof ms !== "number" ||
    !Number.isSafeInteger(ms) ||
    ms <= 0 ||
    Number.isNaN(new Date(createdAt.getTime() + ms).getTime())
  ) {
    throw new QuickPayError(
      "internal",
      `item ${itemId} has an invalid receipt policy: expected "forever", "once" or { validForMs: a positive integer }, got ${JSON.stringify(policy)}`,
    );
  }
  return { receiptUntil: new Date(createdAt.getTime() + ms).toISOString() };
}

/** A micro order for one item, validated (and its money normalised) by the protocol's schema. */
export function buildOrder({ vendorId, item, deliveryUrl, now, ttlMs }: BuildOrderArgs): Order {
  const parsed = Order.safeParse({
    orderId: orderIdFor(item.id),
    vendorId,
    kind: "micro",
    amount: item.amount,
    description: item.description,
    deliveryUrl,
    ...receiptUntilFor(item.id, item.receipt, now),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + (ttlMs ?? DEFAULT_ORDER_TTL_MS)).toISOString(),
  });
  if (!parsed.success) {
    // The catalogue, not the shopper, is at fault: say which item so the operator can fix it.
    throw new QuickPayError("internal", `item ${item.id} does not make a valid order`, {
      issues: parsed.error.issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`),
    });
  }
  return parsed.data;
}

export async function buildSignedOrder(privateKey: string, args: BuildOrderArgs): Promise<SignedOrder> {
  return signOrder(privateKey, buildOrder(args));
}

/** Is this an order this vendor made and signed? `mismatch` or `bad_signature` otherwise. */
export async function verifyOwnOrder(signed: SignedOrder, vendorId: string, vendorPublicKey: string) {
  if (signed.order.vendorId !== vendorId) {
    throw new QuickPayError("mismatch", `order is for vendor ${signed.order.vendorId}, this is ${vendorId}`);
  }
  await assertOrderSignature(signed, vendorPublicKey);
  if (signed.order.kind !== "micro") {
    throw new QuickPayError("invalid_request", "this endpoint delivers micro orders only");
  }
}

/** `order_expired` once the order or the broker's endorsement has run out. */
export function assertLive(signedOrder: SignedOrder, signedEndorsement: SignedEndorsement, now: Date) {
  const t = now.getTime();
  if (Date.parse(signedOrder.order.expiresAt) <= t) {
    throw new QuickPayError(
      "order_expired",
      `order ${signedOrder.order.orderId} expired at ${signedOrder.order.expiresAt}`,
    );
  }
  if (Date.parse(signedEndorsement.endorsement.expiresAt) <= t) {
    throw new QuickPayError(
      "order_expired",
      `endorsement ${signedEndorsement.endorsement.commitId} expired at ${signedEndorsement.endorsement.expiresAt}`,
    );
  }
}

/**
 * The endorsement must be the named broker's signature over exactly this order: same digest, this
 * vendor, this amount, this kind. A commitment bound to another order is worthless here (no double
 * spending); one that states no kind, or another kind, is refused (`mismatch`, `details.fields`
 * `["kind"]`) — the broker would refuse its Check Commit anyway.
 */
export async function verifyEndorsement(
  signed: SignedEndorsement,
  order: Order,
  digest: string,
  brokerPublicKey: string,
): Promise<void> {
  await assertEndorsementSignature(signed, brokerPublicKey);
  const e = signed.endorsement;
  if (e.orderDigest !== digest) {
    throw new QuickPayError(
      "mismatch",
      `endorsement ${e.commitId} is for order digest ${e.orderDigest}, not ${digest}`,
    );
  }
  if (e.vendorId !== order.vendorId) {
    throw new QuickPayError(
      "mismatch",
      `endorsement ${e.commitId} names vendor ${e.vendorId}, not ${order.vendorId}`,
    );
  }
  if (!sameMoney(e.amount, order.amount)) {
    throw new QuickPayError(
      "mismatch",
      `endorsement ${e.commitId} is for ${e.amount.value} ${e.amount.currency}, the order is ${order.amount.value} ${order.amount.currency}`,
    );
  }
  if (e.kind !== order.kind) {
    throw new QuickPayError(
      "mismatch",
      e.kind === undefined
        ? `endorsement ${e.commitId} states no order kind; this ${order.kind} order needs an endorsement that does`
        : `endorsement ${e.commitId} is for a ${e.kind} order, this order is ${order.kind}`,
      { fields: ["kind"] },
    );
  }
}

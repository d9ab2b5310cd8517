/**
 * The vendor's signed order, the broker's signed endorsement (its per-order commitment) and the
 * broker's certificate for a Paycard module. Everything downstream names an order by its digest.
 */
import { z } from "zod";
import { canonicalBytes } from "./canonical";
import { randomBytes, sha256Hex, sign, verify } from "./crypto";
import { base64url } from "./encoding";
import { QuickPayError } from "./errors";
import { BrokerId, Digest, HttpUrl, Money, ShortText, Signature, Timestamp, VendorId } from "./schemas";

export const OrderKind = z.enum(["micro", "regular"]);

export const LineItem = z
  .object({ label: ShortText, quantity: z.number().int().positive().max(1_000_000), amount: Money })
  .strict();

export const Order = z
  .object({
    orderId: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, "1–100 characters of [A-Za-z0-9_.:-]"),
    vendorId: VendorId,
    kind: OrderKind,
    amount: Money,
    description: z.string().min(1).max(500),
    lineItems: z.array(LineItem).max(100).optional(),
    deliveryUrl: HttpUrl.optional(),
    memo: z.string().max(500).optional(),
    /**
     * How long the vendor re-delivers this order to a Wallet that re-presents its receipt (order +
     * endorsement): "forever", or until a time. Absent: only until the endorsement expires, i.e. the
     * Wallet's own retries — a one-time purchase such as a game round.
     */
    receiptUntil: z.union([z.literal("forever"), Timestamp]).optional(),
    createdAt: Timestamp,
    expiresAt: Timestamp,
  })
  .strict()
  .refine((o) => o.kind !== "micro" || o.deliveryUrl !== undefined, "a micro order needs a deliveryUrl")
  .refine((o) => Date.parse(o.expiresAt) > Date.parse(o.createdAt), "expiresAt must be after createdAt");
export type Order = z.infer<typeof Order>;

export const SignedOrder = z.object({ order: Order, sig: Signature }).strict();
export type SignedOrder = z.infer<typeof SignedOrder>;

/**
 * The Wallet's fresh random salt for one order (Inquiry Payment → the broker, Register Order → the
 * host): at least 128 bits as base64url, never reused, never shown to the vendor.
 */
export const PayerSalt = z
  .string()
  .regex(/^[A-Za-z0-9_-]{22,86}$/, "a payer salt: 22–86 base64url characters (at least 128 bits)");

/** A fresh payer salt: 256 random bits, base64url (43 characters). */
export function newPayerSalt(): string {
  return base64url.encode(randomBytes(32));
}

/**
 * The payer tag an endorsement carries: SHA-256 (lower-case hex) of the UTF-8 bytes of the RFC 8785
 * canonical JSON of `{ salt, walletId }` — i.e. `{"salt":"…","walletId":"w_…"}`. The broker computes it
 * from the envelope's verified sender and the Wallet's salt, so a wallet cannot tag another; the host
 * counts the order side of the vote only from the wallet whose id and salt give the endorsement's
 * tag. The vendor sees the tag alone: with a fresh salt per order, one wallet's tags are unlinkable.
 */
export function payerTag(walletId: string, salt: string): string {
  return sha256Hex(canonicalBytes({ salt, walletId }));
}

export const Endorsement = z
  .object({
    commitId: z.string().regex(/^c_[A-Za-z0-9_-]{16,64}$/, "a commitment id (c_…)"),
    orderDigest: Digest,
    vendorId: VendorId,
    amount: Money,
    /**
     * The order's kind as the broker endorsed it. Every endorsement the broker kit signs states it;
     * absent only in endorsements signed before it did, which no vendor accepts for a new delivery.
     */
    kind: OrderKind.optional(),
    brokerId: BrokerId,
    /**
     * `payerTag(walletId, salt)` of the wallet that asked for it. Absent only in endorsements signed
     * before brokers tagged them: for such an order the wallet's side never counts in the vote.
     */
    payerTag: Digest.optional(),
    expiresAt: Timestamp,
  })
  .strict();
export type Endorsement = z.infer<typeof Endorsement>;

export const SignedEndorsement = z.object({ endorsement: Endorsement, sig: Signature }).strict();
export type SignedEndorsement = z.infer<typeof SignedEndorsement>;

/** The broker's signature over a Paycard module's id, version and code hash (checked on Add Paycard). */
export const PaycardCertificate = z
  .object({
    moduleId: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,63}$/),
    version: z.string().regex(/^\d+\.\d+\.\d+$/),
    codeHash: Digest,
    brokerId: BrokerId,
  })
  .strict();
export type PaycardCertificate = z.infer<typeof PaycardCertificate>;

export const SignedPaycardCertificate = z
  .object({ certificate: PaycardCertificate, sig: Signature })
  .strict();
export type SignedPaycardCertificate = z.infer<typeof SignedPaycardCertificate>;

/**
 * How long after an endorsement's expiry a Wallet keeps asking for the goods it paid for, and so how
 * long every vendor answers a repeat of a delivered order, whatever its receipt policy: a shop that
 * was down when its answer got lost still owes the shopper that answer when it is back.
 */
export const DELIVERY_RETRY_GRACE_MS = 7 * 24 * 60 * 60_000;

/**
 * Until when (epoch ms) the vendor re-delivers `order` to a Wallet that presents it again with its
 * endorsement: Infinity for "forever", otherwise the later of the order's `receiptUntil` and the end of
 * the Wallet's own retries (the endorsement's expiry plus DELIVERY_RETRY_GRACE_MS).
 */
export function receiptValidUntil(order: Order, endorsement: Endorsement): number {
  if (order.receiptUntil === "forever") return Number.POSITIVE_INFINITY;
  const retries = Date.parse(endorsement.expiresAt) + DELIVERY_RETRY_GRACE_MS;
  return order.receiptUntil === undefined ? retries : Math.max(Date.parse(order.receiptUntil), retries);
}

/**
 * Until when (epoch ms) a Wallet may offer the shopper a copy of what it bought: the receipt policy the
 * vendor signed into the order ("forever", a time), never for a one-time purchase (no `receiptUntil`).
 */
export function receiptRestorableUntil(order: Order): number {
  if (order.receiptUntil === undefined) return Number.NEGATIVE_INFINITY;
  return order.receiptUntil === "forever" ? Number.POSITIVE_INFINITY : Date.parse(order.receiptUntil);
}

/** SHA-256 over the order's canonical JSON, lower-case hex. */
export function orderDigest(order: Order): string {
  return sha256Hex(canonicalBytes(order));
}

export async function signObject(privateKey: string, value: unknown): Promise<string> {
  return sign(privateKey, canonicalBytes(value));
}

export async function verifyObject(publicKey: string, value: unknown, sig: string): Promise<boolean> {
  return verify(publicKey, canonicalBytes(value), sig);
}

export async function signOrder(vendorPrivateKey: string, order: Order): Promise<SignedOrder> {
  return { order, sig: await signObject(vendorPrivateKey, order) };
}

export async function signEndorsement(
  brokerPrivateKey: string,
  endorsement: Endorsement,
): Promise<SignedEndorsement> {
  return { endorsement, sig: await signObject(brokerPrivateKey, endorsement) };
}

export async function signPaycardCertificate(
  brokerPrivateKey: string,
  certificate: PaycardCertificate,
): Promise<SignedPaycardCertificate> {
  return { certificate, sig: await signObject(brokerPrivateKey, certificate) };
}

/** Throws `bad_signature` unless the vendor key signed this order. */
export async function assertOrderSignature(signed: SignedOrder, vendorPublicKey: string): Promise<void> {
  if (!(await verifyObject(vendorPublicKey, signed.order, signed.sig))) {
    throw new QuickPayError(
      "bad_signature",
      `order ${signed.order.orderId} is not signed by vendor ${signed.order.vendorId}`,
    );
  }
}

/** Throws `bad_signature` unless the broker key signed this endorsement. */
export async function assertEndorsementSignature(
  signed: SignedEndorsement,
  brokerPublicKey: string,
): Promise<void> {
  if (!(await verifyObject(brokerPublicKey, signed.endorsement, signed.sig))) {
    throw new QuickPayError(
      "bad_signature",
      `endorsement ${signed.endorsement.commitId} is not signed by broker ${signed.endorsement.brokerId}`,
    );
  }
}

export async function assertCertificateSignature(
  signed: SignedPaycardCertificate,
  brokerPublicKey: string,
): Promise<void> {
  if (!(await verifyObject(brokerPublicKey, signed.certificate, signed.sig))) {
    throw new QuickPayError(
      "bad_signature",
      `certificate of Paycard module ${signed.certificate.moduleId} is not signed by broker ${signed.certificate.brokerId}`,
    );
  }
}

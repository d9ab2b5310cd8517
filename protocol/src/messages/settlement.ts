/**
 * §4.2.2 step 1, Settle With Broker (vendor → broker: one signed statement for a whole batch), and
 * Register Settlement (broker → host: the statement, so the host refuses Settle With Host for
 * orders the broker already paid — "each order settled at most once, whichever path settles it").
 */
import { z } from "zod";
import { canonicalBytes } from "../canonical";
import { sha256Hex } from "../crypto";
import { QuickPayError } from "../errors";
import { SignedEndorsement, verifyObject } from "../order";
import { BrokerId, Digest, Money, Signature, Timestamp, VendorId } from "../schemas";
import { defineMessage } from "./define";
import { MAX_BATCH } from "./host";

/** A statement id: `s_` + 16–64 base64url characters (`newId("s_")`). */
export const StatementId = z.string().regex(/^s_[A-Za-z0-9_-]{16,64}$/, "a statement id (s_…)");

export const SettlementRejection = z
  .object({ orderDigest: Digest, code: z.string(), reason: z.string().max(500) })
  .strict();
export type SettlementRejection = z.infer<typeof SettlementRejection>;

/**
 * What the broker signs once per Settle With Broker batch. `acceptedRoot` commits to `accepted`
 * (see `settlementRoot`), so a vendor can keep the root and the digests instead of a thousand
 * signatures; `total` is the sum of the accepted orders' amounts (one currency per statement).
 */
export const SettlementStatement = z
  .object({
    statementId: StatementId,
    brokerId: BrokerId,
    vendorId: VendorId,
    acceptedRoot: Digest,
    accepted: z.array(Digest).max(MAX_BATCH),
    total: Money,
    rejected: z.array(SettlementRejection).max(MAX_BATCH),
    settledAt: Timestamp,
  })
  .strict();
export type SettlementStatement = z.infer<typeof SettlementStatement>;

export const SignedSettlementStatement = z
  .object({ statement: SettlementStatement, sig: Signature })
  .strict();
export type SignedSettlementStatement = z.infer<typeof SignedSettlementStatement>;

/**
 * The root over a statement's accepted digests: SHA-256 (lower-case hex) of the UTF-8 bytes of the
 * RFC 8785 canonical JSON of the digests sorted ascending (code-unit order, i.e. plain hex order) —
 * e.g. `["0a…","ff…"]`. No accepted digest → the hash of `[]`. A flat hash, not a Merkle tree: the
 * vendor holds every digest of its own statement, so proofs of one leaf are not needed.
 */
export function settlementRoot(digests: readonly string[]): string {
  return sha256Hex(canonicalBytes([...digests].sort()));
}

/**
 * Throws `bad_signature` unless the broker key signed the statement, and `mismatch` unless its
 * `acceptedRoot` is the root of its `accepted` digests.
 */
export async function assertSettlementStatement(
  signed: SignedSettlementStatement,
  brokerPublicKey: string,
): Promise<void> {
  if (!(await verifyObject(brokerPublicKey, signed.statement, signed.sig))) {
    throw new QuickPayError(
      "bad_signature",
      `settlement statement ${signed.statement.statementId} is not signed by broker ${signed.statement.brokerId}`,
    );
  }
  if (settlementRoot(signed.statement.accepted) !== signed.statement.acceptedRoot) {
    throw new QuickPayError(
      "mismatch",
      `settlement statement ${signed.statement.statementId}: acceptedRoot does not match its accepted digests`,
    );
  }
}

/** §4.2.2 step 1. Vendor → Broker: the vendor's pending orders, each with the broker's endorsement. */
export const SettleWithBroker = defineMessage({
  type: "SettleWithBroker",
  path: "/v1/settle-with-broker",
  from: "vendor",
  to: "broker",
  auth: "envelope",
  summary: "Claim payment for a batch of delivered orders; the broker answers with one signed statement.",
  body: z
    .object({
      orders: z
        .array(z.object({ orderDigest: Digest, endorsement: SignedEndorsement }).strict())
        .min(1)
        .max(MAX_BATCH),
    })
    .strict(),
  reply: SignedSettlementStatement,
});

/** Broker → Host: the orders a statement settled, under one signature (the statement's). */
export const RegisterSettlement = defineMessage({
  type: "RegisterSettlement",
  path: "/v1/register-settlement",
  from: "broker",
  to: "host",
  auth: "envelope",
  summary: "The broker tells the host which orders it settled, so Settle With Host refuses them.",
  body: z.object({ statement: SignedSettlementStatement }).strict(),
  reply: z
    .object({
      statementId: StatementId,
      /** Recorded now as settled by this broker (or already recorded so by an earlier statement). */
      recorded: z.array(Digest),
      /** The host had already approved these itself (Settle With Host); nothing changed for them. */
      alreadySettled: z.array(Digest),
      /** Not recorded: not registered by this broker, another vendor's, revoked. */
      rejected: z.array(SettlementRejection),
    })
    .strict(),
});

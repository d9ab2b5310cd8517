/**
 * The host's decisions as pure functions, so every store (SQLite, PostgreSQL) decides identically
 * inside its own transaction: when registrations disagree, and the majority vote of Settle With Host
 * (DESIGN §4.2.2).
 */
import type { Endorsement, ErrorCode, Money, RegistrationSide } from "@quickpay/protocol";
import { parseMoney } from "@quickpay/protocol";
import type { RegistrationInput, SettlementRecord, StoredRegistration } from "./types";

export function sameAmount(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.micros === b.micros;
}

/** Two registrations of one digest agree when they name the same commitment, vendor and amount. */
export function registrationsAgree(
  a: Pick<RegistrationInput, "commitId" | "vendorId" | "amount">,
  b: Pick<RegistrationInput, "commitId" | "vendorId" | "amount">,
): boolean {
  return a.commitId === b.commitId && a.vendorId === b.vendorId && sameAmount(a.amount, b.amount);
}

/** A new registration is flagged when it disagrees with any registration of its digest recorded before it. */
export function isFlagged(incoming: RegistrationInput, earlier: readonly RegistrationInput[]): boolean {
  return earlier.some((r) => !registrationsAgree(incoming, r));
}

/** The first registration of each side: what `GET /v1/orders/:digest` shows side by side. */
export function firstBySide(
  registrations: readonly StoredRegistration[],
): Record<RegistrationSide, StoredRegistration | null> {
  const pick = (side: RegistrationSide) => registrations.find((r) => r.side === side) ?? null;
  return { commit: pick("commit"), delivery: pick("delivery"), order: pick("order") };
}

/** Every registration of the digest agrees with every other. */
export function allAgree(registrations: readonly RegistrationInput[]): boolean {
  const first = registrations[0];
  return first === undefined || registrations.every((r) => registrationsAgree(first, r));
}

/** The first wallet that registered the order side of a digest: the recipient of "the wallet of order D". */
export function walletOfOrder(registrations: readonly StoredRegistration[]): string | undefined {
  return registrations.find((r) => r.side === "order")?.from;
}

export type SettlementDecision =
  | { ok: true; endorsement: Endorsement; sides: RegistrationSide[] }
  | { ok: false; code: ErrorCode; reason: string };

/**
 * Majority vote (DESIGN §4.2.2): approve when a broker-signed endorsement for the digest exists
 * (registered by its broker or presented by the vendor), it names the requesting vendor, at least two
 * of the three sides registered facts agreeing with it (vendor and amount, and commitment id), and
 * the order is neither revoked nor settled. A side only counts from the party entitled to speak for
 * it: the commit side from the endorsing broker, the delivery side from the vendor itself, the order
 * side from any wallet.
 */
export function decideSettlement(input: {
  orderDigest: string;
  vendorId: string;
  registrations: readonly StoredRegistration[];
  presentedEndorsement?: Endorsement;
  revoked: boolean;
  settled: boolean;
}): SettlementDecision {
  if (input.settled) return { ok: false, code: "already_settled", reason: "order already settled" };
  if (input.revoked) return { ok: false, code: "revoked", reason: "order was revoked" };
  const registered = input.registrations.find((r) => r.side === "commit" && r.endorsement)?.endorsement;
  const endorsement = registered?.endorsement ?? input.presentedEndorsement;
  if (!endorsement || endorsement.orderDigest !== input.orderDigest) {
    return { ok: false, code: "not_registered", reason: "no broker-signed endorsement for this order" };
  }
  if (endorsement.vendorId !== input.vendorId) {
    return { ok: false, code: "forbidden", reason: "the endorsement names another vendor" };
  }
  const facts = {
    commitId: endorsement.commitId,
    vendorId: endorsement.vendorId,
    amount: parseMoney(endorsement.amount),
  };
  const entitled = (r: StoredRegistration) =>
    r.side === "commit"
      ? r.from === endorsement.brokerId
      : r.side === "delivery"
        ? r.from === endorsement.vendorId
        : true;
  const sides = (["commit", "delivery", "order"] as const).filter((side) =>
    input.registrations.some((r) => r.side === side && entitled(r) && registrationsAgree(r, facts)),
  );
  if (sides.length < 2) {
    return {
      ok: false,
      code: "mismatch",
      reason: `only ${sides.length} of 3 registrations agree with the endorsement (need 2)`,
    };
  }
  return { ok: true, endorsement, sides };
}

export type BrokerSettlementDecision =
  | { outcome: "record"; commitId: string; amount: Money }
  | { outcome: "recorded" }
  | { outcome: "alreadySettled" }
  | { outcome: "rejected"; code: ErrorCode; reason: string };

/**
 * Register Settlement, per digest: the broker may only report its own commitments — a commit-side
 * registration from this broker naming this vendor — so a broker cannot block the host path for
 * another broker's orders. A settlement already on record wins: the same broker's is a harmless
 * repeat (`recorded`), the host's own approval is reported back (`alreadySettled`) and kept.
 */
export function decideBrokerSettlement(input: {
  brokerId: string;
  vendorId: string;
  registrations: readonly StoredRegistration[];
  revoked: boolean;
  settlement: SettlementRecord | null;
}): BrokerSettlementDecision {
  const s = input.settlement;
  if (s) {
    return s.path === "broker" && s.brokerId === input.brokerId && s.vendorId === input.vendorId
      ? { outcome: "recorded" }
      : { outcome: "alreadySettled" };
  }
  const mine = input.registrations.find((r) => r.side === "commit" && r.from === input.brokerId);
  if (!mine) {
    return {
      outcome: "rejected",
      code: "not_registered",
      reason: "this broker registered no commitment for it",
    };
  }
  if (mine.vendorId !== input.vendorId) {
    return { outcome: "rejected", code: "mismatch", reason: "the commitment names another vendor" };
  }
  if (input.revoked) return { outcome: "rejected", code: "revoked", reason: "order was revoked" };
  return { outcome: "record", commitId: mine.commitId, amount: mine.amount };
}

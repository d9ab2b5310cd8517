/**
 * The host's decisions as pure functions, so every store (SQLite, PostgreSQL) decides identically
 * inside its own transaction: when registrations disagree, and the majority vote of Settle With Host
 * (DESIGN §4.2.2).
 */
import type { Endorsement, ErrorCode, Money, RegistrationSide } from "@quickpay/protocol";
import { parseMoney, payerTag } from "@quickpay/protocol";
import type {
  PlayerStatus,
  RegistrationInput,
  RevokeRecord,
  SettlementRecord,
  StoredRegistration,
} from "./types";

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

/**
 * The registration of each side that `GET /v1/orders/:digest` shows side by side: the first one of
 * each side — or, once the registered endorsements name one order's broker (`voteEndorsement`
 * without a presented one), the first from each party the vote counts: that broker's commitment,
 * the vendor's delivery, and the wallet that opens its payer tag (none yet: `null`; any wallet, for
 * an endorsement without a tag). So a rogue broker's commitment or the vendor's own wallet, however
 * early, is not what the page shows as the order.
 */
export function firstBySide(
  registrations: readonly StoredRegistration[],
): Record<RegistrationSide, StoredRegistration | null> {
  const digest = registrations[0]?.orderDigest;
  const choice = digest === undefined ? undefined : voteEndorsement(digest, registrations, undefined);
  const e = choice?.ok ? choice.endorsement : undefined;
  const pick = (side: RegistrationSide, counts: (r: StoredRegistration) => boolean = () => true) =>
    registrations.find((r) => r.side === side && counts(r)) ?? null;
  if (!e) return { commit: pick("commit"), delivery: pick("delivery"), order: pick("order") };
  return {
    commit: pick("commit", (r) => r.from === e.brokerId && r.commitId === e.commitId),
    delivery: pick("delivery", (r) => r.from === e.vendorId),
    order: pick("order", (r) => e.payerTag === undefined || opensPayerTag(r, e)),
  };
}

/** Every registration of the digest agrees with every other. */
export function allAgree(registrations: readonly RegistrationInput[]): boolean {
  const first = registrations[0];
  return first === undefined || registrations.every((r) => registrationsAgree(first, r));
}

/** The wallet's registration opens the endorsement's payer tag: `payerTag(from, payerSalt)` is it. */
export function opensPayerTag(
  registration: Pick<StoredRegistration, "from" | "payerSalt">,
  endorsement: Pick<Endorsement, "payerTag">,
): boolean {
  return (
    endorsement.payerTag !== undefined &&
    registration.payerSalt !== undefined &&
    payerTag(registration.from, registration.payerSalt) === endorsement.payerTag
  );
}

/** The endorsements registered on the commit side by the broker each names, once per commitment. */
function registeredEndorsements(registrations: readonly StoredRegistration[]): Endorsement[] {
  const seen = new Map<string, Endorsement>();
  for (const r of registrations) {
    const e = r.side === "commit" ? r.endorsement?.endorsement : undefined;
    const key = e && `${e.brokerId}\u0000${e.commitId}`;
    if (e && key && r.from === e.brokerId && !seen.has(key)) seen.set(key, e);
  }
  return [...seen.values()];
}

/**
 * "The wallet that registered order D" (mailbox): the first wallet whose registration opens the
 * payer tag of an endorsement its broker registered — so a wallet that merely registered the order
 * side first (the vendor's own, say) does not receive the shopper's refund notice or the vendor's
 * memo. While no tagged endorsement is registered (an endorsement from before payer tags, or a
 * commit side still on its way) it is the first wallet that registered the order side.
 * `endorsedBy` (a refund notice) narrows it to the endorsements that broker registered: none is no
 * wallet, so a broker that never endorsed the order cannot send its shopper a refund notice.
 */
export function walletOfOrder(
  registrations: readonly StoredRegistration[],
  endorsedBy?: string,
): string | undefined {
  const endorsements = registeredEndorsements(registrations).filter(
    (e) => endorsedBy === undefined || e.brokerId === endorsedBy,
  );
  if (endorsedBy !== undefined && endorsements.length === 0) return undefined;
  const tagged = endorsements.filter((e) => e.payerTag !== undefined);
  const wallets = registrations.filter((r) => r.side === "order");
  if (tagged.length === 0) return wallets[0]?.from;
  return wallets.find((r) => tagged.some((e) => opensPayerTag(r, e)))?.from;
}

export type EndorsementChoice =
  | { ok: true; endorsement: Endorsement }
  | { ok: false; code: ErrorCode; reason: string };

/**
 * The sides of the vote that registered facts agreeing with `endorsement` (commitment id, vendor and
 * amount), each counted only from the party entitled to it: the commit side from the endorsing
 * broker, the delivery side from the vendor it names, the order side from the wallet that opens its
 * payer tag (none, for an endorsement without a tag).
 */
export function agreeingSides(
  endorsement: Endorsement,
  registrations: readonly StoredRegistration[],
): RegistrationSide[] {
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
        : opensPayerTag(r, endorsement);
  return (["commit", "delivery", "order"] as const).filter((side) =>
    registrations.some((r) => r.side === side && entitled(r) && registrationsAgree(r, facts)),
  );
}

/**
 * The endorsement one order's vote is about. The one the vendor presents in Settle With Host (its
 * signature checked by the caller against the directory key of the broker it names) when there is
 * one; otherwise the one endorsement registered on the commit side by its own broker. When several
 * brokers registered endorsements of the digest and none is presented, the one that has a majority
 * (`agreeingSides`), if exactly one has; otherwise `mismatch` — the first to register never decides.
 */
export function voteEndorsement(
  orderDigest: string,
  registrations: readonly StoredRegistration[],
  presented: Endorsement | undefined,
): EndorsementChoice {
  let candidates = presented ? [presented] : registeredEndorsements(registrations);
  if (candidates.length > 1) {
    candidates = candidates.filter((e) => agreeingSides(e, registrations).length >= 2);
    if (candidates.length !== 1) {
      return {
        ok: false,
        code: "mismatch",
        reason: "several brokers registered commitments for this order; present the endorsement",
      };
    }
  }
  const endorsement = candidates[0];
  if (!endorsement || endorsement.orderDigest !== orderDigest) {
    return { ok: false, code: "not_registered", reason: "no broker-signed endorsement for this order" };
  }
  return { ok: true, endorsement };
}

export type SettlementDecision =
  | { ok: true; endorsement: Endorsement; sides: RegistrationSide[] }
  | { ok: false; code: ErrorCode; reason: string };

/**
 * Majority vote (DESIGN §4.2.2) over the endorsement `voteEndorsement` picks: approve when it names
 * the requesting vendor, its broker is active in the directory, at least two of the three sides
 * registered facts agreeing with it (commitment id, vendor and amount), and the order is neither
 * revoked nor settled. Each fact counts only from the party entitled to it: the commit side, a
 * revoke and a settlement from the endorsing broker (for this commitment), the delivery side from the
 * vendor itself, the order side from the wallet that opens the endorsement's payer tag (none, for an
 * endorsement without a tag). Another broker's records for the digest are ignored.
 * `brokerStatus` is the directory status of the endorsement's broker, read in the same transaction.
 */
export function decideSettlement(input: {
  orderDigest: string;
  vendorId: string;
  registrations: readonly StoredRegistration[];
  presentedEndorsement?: Endorsement;
  revokes: readonly RevokeRecord[];
  settlements: readonly SettlementRecord[];
  brokerStatus: PlayerStatus | undefined;
}): SettlementDecision {
  const choice = voteEndorsement(input.orderDigest, input.registrations, input.presentedEndorsement);
  if (!choice.ok) return choice;
  const endorsement = choice.endorsement;
  if (endorsement.vendorId !== input.vendorId) {
    return { ok: false, code: "forbidden", reason: "the endorsement names another vendor" };
  }
  const byItsBroker = (r: { brokerId: string; commitId: string }) =>
    r.brokerId === endorsement.brokerId && r.commitId === endorsement.commitId;
  if (input.settlements.some((s) => s.brokerId === endorsement.brokerId)) {
    return { ok: false, code: "already_settled", reason: "order already settled" };
  }
  if (input.revokes.some(byItsBroker)) return { ok: false, code: "revoked", reason: "order was revoked" };
  if (input.brokerStatus === undefined) {
    return {
      ok: false,
      code: "unknown_player",
      reason: `broker ${endorsement.brokerId} is not in the directory`,
    };
  }
  if (input.brokerStatus !== "active") {
    // Refused, not held: nothing is recorded, so once the operator reactivates the broker (or settles
    // its debts another way) the vendor's next Settle With Host decides the order afresh.
    return {
      ok: false,
      code: "suspended",
      reason: `broker ${endorsement.brokerId} is suspended; its endorsements are not settled by the host`,
    };
  }
  const sides = agreeingSides(endorsement, input.registrations);
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
 * another broker's orders. A settlement of this broker's already on record wins: its own statement's
 * is a harmless repeat (`recorded`), the host's approval of its endorsement is reported back
 * (`alreadySettled`) and kept. Revokes and settlements of other brokers for the digest change nothing.
 */
export function decideBrokerSettlement(input: {
  brokerId: string;
  vendorId: string;
  registrations: readonly StoredRegistration[];
  revokes: readonly RevokeRecord[];
  settlements: readonly SettlementRecord[];
}): BrokerSettlementDecision {
  const s = input.settlements.find((r) => r.brokerId === input.brokerId);
  if (s) {
    return s.path === "broker" && s.vendorId === input.vendorId
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
  if (input.revokes.some((r) => r.brokerId === input.brokerId)) {
    return { outcome: "rejected", code: "revoked", reason: "order was revoked" };
  }
  return { outcome: "record", commitId: mine.commitId, amount: mine.amount };
}

/**
 * Register Revoke: each broker's revoke of a digest is its own record, and the vote counts only the
 * one from the endorsement's broker for the endorsement's commitment (`decideSettlement`). So a
 * revoke is recorded even before the revoking broker's commit side reached the host (Register Commit
 * may still be on its way) — a rogue broker's revoke then sits beside the order and decides nothing.
 * Refused: `revoked` when this broker already revoked the digest (by another message); `mismatch`
 * when this broker registered a commitment for the digest and the revoke does not name it, or names
 * another vendor or amount.
 */
export function decideRevoke(input: {
  brokerId: string;
  revoke: { commitId: string; vendorId: string; amount: Money };
  registrations: readonly StoredRegistration[];
  revokes: readonly RevokeRecord[];
}): { ok: true } | { ok: false; code: ErrorCode; reason: string } {
  if (input.revokes.some((r) => r.brokerId === input.brokerId)) {
    return { ok: false, code: "revoked", reason: "this broker already revoked the order" };
  }
  const own = input.registrations.filter((r) => r.side === "commit" && r.from === input.brokerId);
  if (own.length === 0) return { ok: true };
  const commitment = own.find((r) => r.commitId === input.revoke.commitId);
  if (!commitment) {
    return {
      ok: false,
      code: "mismatch",
      reason: `this broker registered another commitment than ${input.revoke.commitId} for the order`,
    };
  }
  if (!registrationsAgree(commitment, input.revoke)) {
    return {
      ok: false,
      code: "mismatch",
      reason: "the revoke names another vendor or amount than the commitment",
    };
  }
  return { ok: true };
}

/**
 * Who holds which origin after a registration: the pure decision both stores make inside the
 * `registerPlayer` transaction (as `rules.ts` is for orders), so SQLite and PostgreSQL decide alike.
 *
 * An origin belongs to at most one vendor. A vendor keeps the origins it holds; it takes one another
 * vendor holds only when the host has just proven this vendor controls it (`takeOrigins`): the
 * current proof wins, and the vendor that held it loses it — and its endpoint, when the endpoint lay
 * on that origin, so no Wallet is sent there on its behalf. A key rotation suspends the old vendor,
 * which loses every origin and its endpoint.
 */
import type { ErrorCode } from "@quickpay/protocol";
import type { Effect, PlayerRecord } from "./types";

type RegisterPlayer = Extract<Effect, { kind: "registerPlayer" }>;

export type PlayerDecision =
  | { ok: false; code: ErrorCode; reason: string }
  | {
      ok: true;
      /** Origins moving to this vendor from the vendor holding them now. */
      taken: { origin: string; from: string }[];
    };

export function decideRegisterPlayer(input: {
  effect: RegisterPlayer;
  /** The player already registered under this id, if any. */
  existing: PlayerRecord | undefined;
  /** The vendor holding each of the player's origins now, for those held by someone. */
  owners: ReadonlyMap<string, string>;
  /** The vendor named by `effect.rotatedFrom`, if it is in the directory. */
  rotatedFrom: PlayerRecord | undefined;
}): PlayerDecision {
  const { player, takeOrigins = [], rotatedFrom } = input.effect;
  const taken: { origin: string; from: string }[] = [];
  for (const origin of player.origins ?? []) {
    const owner = input.owners.get(origin);
    if (owner === undefined || owner === player.id) continue;
    if (!takeOrigins.includes(origin)) {
      return { ok: false, code: "conflict", reason: `origin ${origin} belongs to another vendor` };
    }
    taken.push({ origin, from: owner });
  }
  if (input.existing && input.existing.publicKey !== player.publicKey) {
    return { ok: false, code: "conflict", reason: `player ${player.id} is registered with another key` };
  }
  if (rotatedFrom !== undefined) {
    if (player.kind !== "vendor" || rotatedFrom === player.id) {
      return { ok: false, code: "invalid_request", reason: "a vendor key rotates to another vendor key" };
    }
    if (!input.rotatedFrom) {
      return { ok: false, code: "unknown_player", reason: `${rotatedFrom} is not in the directory` };
    }
    if (input.rotatedFrom.kind !== "vendor") {
      return { ok: false, code: "forbidden", reason: `${rotatedFrom} is not a vendor` };
    }
  }
  return { ok: true, taken };
}

/** True when the endpoint lies on this origin (compared as origins, so a path never matters). */
export function endpointOn(endpoint: string | undefined, origin: string): boolean {
  if (endpoint === undefined) return false;
  try {
    return new URL(endpoint).origin === origin;
  } catch {
    return false;
  }
}

/** Player ids (derived from public keys, so an id cannot be claimed without its key) and message ids. */

import { v7 as uuidV7 } from "uuid";
import { randomBytes, sha256, toHex } from "./crypto";
import { base64url } from "./encoding";

export const playerPrefixes = { wallet: "w", vendor: "v", broker: "b", host: "h" } as const;
export type PlayerKind = keyof typeof playerPrefixes;

export const playerIdPattern = /^[wvbh]_[0-9a-f]{32}$/;

/** `w_…`, `v_…`, `b_…`, `h_…` followed by the first 16 bytes of SHA-256(public key), in hex. */
export function playerIdFor(kind: PlayerKind, publicKey: string): string {
  return `${playerPrefixes[kind]}_${toHex(sha256(base64url.decode(publicKey)).subarray(0, 16))}`;
}

export function playerKindOf(playerId: string): PlayerKind | undefined {
  const prefix = playerId[0];
  for (const [kind, p] of Object.entries(playerPrefixes)) if (p === prefix) return kind as PlayerKind;
  return undefined;
}

/** A fresh 128-bit random id, base64url — for orders, commitments, sessions and other records. */
export function newId(prefix = ""): string {
  return prefix + base64url.encode(randomBytes(16));
}

/**
 * A fresh message id: a UUIDv7 (RFC 9562) — 48 bits of Unix milliseconds, then 74 random bits, in
 * lower-case hex, so ids a sender mints later sort later (within one process, strictly). The host
 * keys its exactly-once records by message id first: time-ordered ids land at the end of that index
 * instead of on a random page, which halves what each registration writes (docs/decisions.md). The
 * time is no secret: every envelope states its own `at`. Any id matching `messageIdPattern` is valid.
 */
export function newMessageId(): string {
  return uuidV7();
}

export const messageIdPattern = /^[A-Za-z0-9_-]{16,64}$/;

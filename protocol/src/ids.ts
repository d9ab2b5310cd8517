/** Player ids (derived from public keys, so an id cannot be claimed without its key) and message ids. */

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

/** A fresh 128-bit random id, base64url — for messages, orders, commitments and sessions. */
export function newId(prefix = ""): string {
  return prefix + base64url.encode(randomBytes(16));
}

export const messageIdPattern = /^[A-Za-z0-9_-]{16,64}$/;

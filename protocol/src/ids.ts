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

/**
 * A message id derived, not drawn: the same `seed` and `at` always give the same id, so every resend
 * of one message (after a crash, a timeout, a repeated request) is one exactly-once message to its
 * receiver. Laid out as a UUIDv7 whose time is `at` — a time the message is about, such as the
 * order's creation — and whose 74 other bits are SHA-256(seed), so derived ids sort by time like
 * minted ones. The layout is fixed here, not left to a library: a derived id must never change.
 */
export function derivedMessageId(seed: string, at: Date | string): string {
  const millis = typeof at === "string" ? Date.parse(at) : at.getTime();
  if (!Number.isSafeInteger(millis) || millis < 0 || millis >= 2 ** 48) {
    throw new RangeError(`derivedMessageId: ${String(at)} is not a time a UUIDv7 can carry`);
  }
  const bytes = sha256(seed).subarray(0, 16);
  for (let i = 5, t = millis; i >= 0; i--, t = Math.floor(t / 256)) bytes[i] = t % 256;
  bytes[6] = 0x70 | (bytes[6]! & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // variant 10
  const hex = toHex(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const messageIdPattern = /^[A-Za-z0-9_-]{16,64}$/;

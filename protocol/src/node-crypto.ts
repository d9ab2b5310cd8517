/**
 * `@quickpay/protocol/node` — Node-only speed-ups for servers (the System Host). Kept out of the
 * main entry so browser bundles never see a `node:` import.
 *
 * `useNodeCrypto()` makes `verify` (and so `verifyEnvelope`, `assertEndorsementSignature`, …) use
 * node:crypto's synchronous Ed25519 with cached `KeyObject`s. Node 20's WebCrypto Ed25519 runs the
 * same OpenSSL code, but each call also pays for its promise job and key handle plumbing; the
 * direct call is the same RFC 8032 verification (identical accept/reject) at a lower cost.
 */
import { createPublicKey, type KeyObject, verify as nodeVerify } from "node:crypto";
import { installNativeVerify } from "./crypto";
import { verifyPoolActive } from "./node-verify-pool";

// RFC 8410: an Ed25519 SubjectPublicKeyInfo is this fixed 12-byte header followed by the 32-byte key.
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const KEY_CACHE_LIMIT = 4096;
const keys = new Map<string, KeyObject>();

function keyObject(publicKey: string, raw: Uint8Array): KeyObject {
  let key = keys.get(publicKey);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: "der", type: "spki" });
    if (keys.size >= KEY_CACHE_LIMIT) keys.delete(keys.keys().next().value as string);
    keys.set(publicKey, key);
  }
  return key;
}

/** node:crypto Ed25519 verification; false for anything malformed (as `verify` promises). */
export function nodeVerifyEd25519(publicKey: string, raw: Uint8Array, message: Uint8Array, sig: Uint8Array) {
  try {
    return nodeVerify(null, message, keyObject(publicKey, raw), sig);
  } catch {
    return false;
  }
}

/** From now on `verify` uses node:crypto in this process (on the verify pool while one is held). */
export function useNodeCrypto(): void {
  if (!verifyPoolActive()) installNativeVerify(nodeVerifyEd25519);
}

/** Back to WebCrypto / noble (tests). */
export function stopNodeCrypto(): void {
  installNativeVerify(undefined);
}

export { acquireVerifyPool } from "./node-verify-pool";

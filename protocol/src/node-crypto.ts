/**
 * `@quickpay/protocol/node` — Node-only speed-ups for servers (the System Host). Kept out of the
 * main entry so browser bundles never see a `node:` import or a native addon.
 *
 * `useNodeCrypto()` makes `verify` (and so `verifyEnvelope`, `assertEndorsementSignature`, …) call
 * libsodium's Ed25519 (`sodium-native`, prebuilt binaries) synchronously. Measured on this VM it
 * verifies about twice as fast as node:crypto's OpenSSL (14.3k vs 7.2k/s on one core), and it skips
 * the promise job and key-handle plumbing of WebCrypto. It is the same RFC 8032 check — the RFC's
 * vectors pass on every backend — and a strict one: S must be reduced mod L, and keys or R of small
 * order are refused (docs/decisions.md).
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { installNativeSha256, installNativeVerify } from "./crypto";
import { verifyPoolActive } from "./node-verify-pool";

interface Sodium {
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

/** The module's path, so a worker thread can load the same binary. */
const require = createRequire(import.meta.url);
export const SODIUM_MODULE = require.resolve("sodium-native");
const sodium = require(SODIUM_MODULE) as Sodium;

/** libsodium Ed25519 verification; false for anything malformed (as `verify` promises). */
export function nodeVerifyEd25519(_publicKey: string, raw: Uint8Array, message: Uint8Array, sig: Uint8Array) {
  if (raw.length !== 32 || sig.length !== 64) return false;
  try {
    return sodium.crypto_sign_verify_detached(sig, message, raw);
  } catch {
    return false;
  }
}

/** node:crypto's SHA-256 (OpenSSL): the same digest as noble's, at a fraction of the CPU. */
const nodeSha256 = {
  bytes: (data: Uint8Array | string) => new Uint8Array(createHash("sha256").update(data).digest()),
  hex: (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex"),
};

/**
 * From now on `verify` uses libsodium in this process (on the verify pool while one is held), and
 * `sha256`/`sha256Hex` node:crypto.
 */
export function useNodeCrypto(): void {
  if (!verifyPoolActive()) installNativeVerify(nodeVerifyEd25519);
  installNativeSha256(nodeSha256);
}

/** Back to WebCrypto / noble (tests). */
export function stopNodeCrypto(): void {
  installNativeVerify(undefined);
  installNativeSha256(undefined);
}

export { acquireVerifyPool } from "./node-verify-pool";

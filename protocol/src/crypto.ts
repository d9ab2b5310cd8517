/**
 * Ed25519 and SHA-256 for every player. WebCrypto's native Ed25519 is used where the runtime has it
 * (Node ≥ 20, Chromium ≥ 137), `@noble/curves` where it does not; both produce identical RFC 8032
 * signatures, so a key made in the browser verifies on the server and back.
 *
 * Verification is the same decision on every backend (WebCrypto's OpenSSL, noble, libsodium on
 * servers): `strictEd25519` refuses what the backends disagree on — a public key or R of small order
 * or not canonically encoded, S not below L — before any backend runs, and every backend checks the
 * cofactorless equation [S]B = R + [k]A by comparing R's bytes. `test-vectors/ed25519-degenerate.ts`
 * holds the cases, replayed against every verify path.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToNumberLE, equalBytes } from "@noble/curves/utils.js";
import { sha256 as nobleSha256, sha512 } from "@noble/hashes/sha2.js";
import { base64url, hex } from "./encoding";
import { QuickPayError } from "./errors";

export interface KeyPair {
  /** base64url of the 32-byte RFC 8032 public key. */
  publicKey: string;
  /** base64url of the 32-byte RFC 8032 private seed. Never leaves its owner. */
  privateKey: string;
}

// An Ed25519 PKCS#8 document is this fixed 16-byte header followed by the 32-byte seed (RFC 8410 §7).
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const ED25519 = { name: "Ed25519" } as const;
const KEY_CACHE_LIMIT = 4096;

type Backend = "webcrypto" | "noble";
let backendPromise: Promise<Backend> | undefined;
const publicKeyCache = new Map<string, Promise<CryptoKey>>();
const privateKeyCache = new Map<string, Promise<CryptoKey>>();

function subtle(): SubtleCrypto | undefined {
  return globalThis.crypto?.subtle;
}

/** Probes once whether this runtime's WebCrypto speaks Ed25519. */
function backend(): Promise<Backend> {
  backendPromise ??= (async (): Promise<Backend> => {
    const s = subtle();
    if (!s) return "noble";
    try {
      const seed = new Uint8Array(32);
      const key = await s.importKey("pkcs8", pkcs8(seed), ED25519, false, ["sign"]);
      await s.sign(ED25519, key, new Uint8Array(1));
      return "webcrypto";
    } catch {
      return "noble";
    }
  })();
  return backendPromise;
}

/** Forces a backend; tests use it to prove both agree. */
export function useCryptoBackend(choice: Backend): void {
  backendPromise = Promise.resolve(choice);
}

export async function cryptoBackend(): Promise<Backend> {
  return backend();
}

function pkcs8(seed: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
  out.set(PKCS8_ED25519_PREFIX, 0);
  out.set(seed, PKCS8_ED25519_PREFIX.length);
  return out;
}

function cached(cache: Map<string, Promise<CryptoKey>>, id: string, make: () => Promise<CryptoKey>) {
  let hit = cache.get(id);
  if (!hit) {
    if (cache.size >= KEY_CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    hit = make();
    // A key that fails to import must not poison the cache.
    hit.catch(() => cache.delete(id));
    cache.set(id, hit);
  }
  return hit;
}

function decodeKey(text: string, what: string, length: number): Uint8Array<ArrayBuffer> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = base64url.decode(text);
  } catch {
    throw new QuickPayError("invalid_request", `${what} is not base64url`);
  }
  if (bytes.length !== length) {
    throw new QuickPayError("invalid_request", `${what} must be ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}

export function publicKeyFromPrivate(privateKey: string): string {
  return base64url.encode(ed25519.getPublicKey(decodeKey(privateKey, "private key", 32)));
}

export function generateKeyPair(): KeyPair {
  const seed = randomBytes(32);
  return { privateKey: base64url.encode(seed), publicKey: base64url.encode(ed25519.getPublicKey(seed)) };
}

/** Signs `message`; returns the 64-byte signature as base64url. */
export async function sign(privateKey: string, message: Uint8Array): Promise<string> {
  const seed = decodeKey(privateKey, "private key", 32);
  if ((await backend()) === "noble") return base64url.encode(ed25519.sign(message, seed));
  const key = await cached(privateKeyCache, privateKey, () =>
    subtle()!.importKey("pkcs8", pkcs8(seed), ED25519, false, ["sign"]),
  );
  return base64url.encode(new Uint8Array(await subtle()!.sign(ED25519, key, toBuffer(message))));
}

/**
 * A synchronous native verifier a runtime may install in place of WebCrypto (the Node-only
 * `@quickpay/protocol/node` entry installs node:crypto's). Gets the key as given (a cache key) and
 * the decoded 32-byte key and 64-byte signature; returns true only for a valid signature.
 */
export type NativeVerify = (
  publicKey: string,
  key: Uint8Array,
  message: Uint8Array,
  sig: Uint8Array,
) => boolean | Promise<boolean>;
let nativeVerify: NativeVerify | undefined;

/** Installs (or, with undefined, removes) the native verifier `verify` uses before any backend. */
export function installNativeVerify(fn: NativeVerify | undefined): void {
  nativeVerify = fn;
}

/**
 * True only for a valid signature by `publicKey`; malformed keys or signatures are simply invalid, and
 * so is every degenerate case `strictEd25519` refuses, whichever backend runs.
 */
export async function verify(publicKey: string, message: Uint8Array, signature: string): Promise<boolean> {
  let pub: Uint8Array<ArrayBuffer>;
  let sig: Uint8Array<ArrayBuffer>;
  try {
    pub = decodeKey(publicKey, "public key", 32);
    sig = decodeKey(signature, "signature", 64);
  } catch {
    return false;
  }
  if (!strictEd25519(pub, sig)) return false;
  try {
    if (nativeVerify) return await nativeVerify(publicKey, pub, message, sig);
    if ((await backend()) === "noble") return nobleVerifyCofactorless(pub, message, sig);
    const key = await cached(publicKeyCache, publicKey, () =>
      subtle()!.importKey("raw", pub, ED25519, false, ["verify"]),
    );
    return await subtle()!.verify(ED25519, key, sig, toBuffer(message));
  } catch {
    return false;
  }
}

// L = 2^252 + 27742317777372353535851937790883648493, the order of the base point (RFC 8032 §5.1),
// little-endian as S is encoded.
const ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
const L = fromHexBytes("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

// The y coordinates (little-endian, sign bit of x clear) of the eight points of small order, as
// `ED25519_TORSION_SUBGROUP` in @noble/curves lists them: 0 (the two points of order 4), 1 (the
// identity), p − 1 (order 2), and the two of order 8; then p and p + 1, which are not reduced below
// p = 2^255 − 19 and decode, leniently, to 0 and 1. With either sign bit that is every encoding of a
// small-order point: the same list as libsodium's `ge25519_has_small_order`.
const SMALL_ORDER_Y = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
].map(fromHexBytes);

function fromHexBytes(text: string): Uint8Array {
  return hex.decode(text);
}

/** True when these 32 bytes encode a point of small order (order 1, 2, 4 or 8), in any encoding. */
export function isSmallOrderPoint(point: Uint8Array): boolean {
  if (point.length !== 32) return false;
  return SMALL_ORDER_Y.some((y) => {
    for (let i = 0; i < 31; i++) if (point[i] !== y[i]) return false;
    return (point[31]! & 0x7f) === y[31];
  });
}

/** True when the point's y is reduced below p = 2^255 − 19 (RFC 8032 §5.1.3 decoding, step 1). */
export function isCanonicalPoint(point: Uint8Array): boolean {
  if (point.length !== 32) return false;
  if ((point[31]! & 0x7f) !== 0x7f) return true;
  for (let i = 30; i > 0; i--) if (point[i] !== 0xff) return true;
  return point[0]! < 0xed;
}

/** True when the 32 little-endian bytes of S are below L (RFC 8032 §5.1.7, step 1). */
function isReducedScalar(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i]! !== L[i]!) return s[i]! < L[i]!;
  }
  return false;
}

/**
 * The project's one rule for what a signature may look like before any backend's arithmetic: A
 * canonical and not of small order, R the same, S below L. libsodium refuses exactly these cases;
 * WebCrypto (OpenSSL) accepts a small-order A or R — with the identity key, R = identity and S = 0
 * "sign" every message — and noble's check is cofactored. Byte compares only: it costs nothing next
 * to a verification.
 */
export function strictEd25519(publicKey: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const r = signature.subarray(0, 32);
  return (
    isCanonicalPoint(publicKey) &&
    !isSmallOrderPoint(publicKey) &&
    isCanonicalPoint(r) &&
    !isSmallOrderPoint(r) &&
    isReducedScalar(signature.subarray(32))
  );
}

/**
 * RFC 8032 §5.1.7 cofactorless, as libsodium and OpenSSL check it: R' = [S]B − [k]A with
 * k = SHA-512(R ‖ A ‖ M) mod L, valid only when R' encodes to R's own bytes. noble's own `verify` is
 * cofactored ([8]R' = [8]R), which accepts signatures whose R carries a small-order component the
 * others refuse.
 */
function nobleVerifyCofactorless(pub: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  const { Point } = ed25519;
  const A = Point.fromBytes(pub, false);
  const r = sig.subarray(0, 32);
  const hashed = new Uint8Array(64 + message.length);
  hashed.set(r, 0);
  hashed.set(pub, 32);
  hashed.set(message, 64);
  const k = bytesToNumberLE(sha512(hashed)) % ORDER;
  const s = bytesToNumberLE(sig.subarray(32));
  const rCheck = Point.BASE.multiplyUnsafe(s).subtract(A.multiplyUnsafe(k));
  return equalBytes(rCheck.toBytes(), r);
}

function toBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

/** A runtime's own SHA-256 (node:crypto on servers), installed by `@quickpay/protocol/node`. */
export interface NativeSha256 {
  bytes(data: Uint8Array | string): Uint8Array;
  hex(data: Uint8Array | string): string;
}
let nativeSha256: NativeSha256 | undefined;

/** Installs (or, with undefined, removes) the SHA-256 `sha256`/`sha256Hex` use before noble's. */
export function installNativeSha256(impl: NativeSha256 | undefined): void {
  nativeSha256 = impl;
}

/** SHA-256, synchronous so digests can be taken anywhere (noble's in browsers, native on servers). */
export function sha256(data: Uint8Array | string): Uint8Array {
  if (nativeSha256) return nativeSha256.bytes(data);
  return nobleSha256(typeof data === "string" ? new TextEncoder().encode(data) : data);
}

export function sha256Hex(data: Uint8Array | string): string {
  if (nativeSha256) return nativeSha256.hex(data);
  return toHex(sha256(data));
}

export function toHex(bytes: Uint8Array): string {
  return hex.encode(bytes);
}

export function fromHex(text: string): Uint8Array {
  try {
    return hex.decode(text);
  } catch {
    throw new QuickPayError("invalid_request", "not lower-case hex");
  }
}

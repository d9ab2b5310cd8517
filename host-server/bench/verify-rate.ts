/**
 * This machine's native Ed25519 verifications per second on one core: libsodium (what the host
 * verifies with, `@quickpay/protocol/node`) and, for comparison, node:crypto's OpenSSL.
 */
import { generateKeyPairSync, sign, verify } from "node:crypto";
import { nodeVerifyEd25519 } from "@quickpay/protocol/node";

/** Runs `check` (which must return true) for `ms` milliseconds on this thread; calls per second. */
function rate(ms: number, check: () => boolean): number {
  // A short warm-up so the first timed calls are not paying for lazy initialisation.
  for (let i = 0; i < 200; i++) if (!check()) throw new Error("verify-rate: a valid signature failed");
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 50; i++) check();
    count += 50;
    now = performance.now();
  }
  return Math.round((count * 1000) / (now - start));
}

/** Verifies a ~300-byte message (an envelope's size) for `ms` milliseconds with each library. */
export function measureVerifyPerSecond(ms = 1_000): { libsodium: number; openssl: number } {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const message = Buffer.alloc(300, 7);
  const sig = sign(null, message, privateKey);
  const raw = publicKey.export({ format: "jwk" }).x as string;
  const rawKey = Buffer.from(raw, "base64url");
  return {
    libsodium: rate(ms, () => nodeVerifyEd25519(raw, rawKey, message, sig)),
    openssl: rate(ms, () => verify(null, message, publicKey, sig)),
  };
}

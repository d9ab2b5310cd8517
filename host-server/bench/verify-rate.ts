/** Measures this machine's native Ed25519 verifications per second (node:crypto, one core). */
import { generateKeyPairSync, sign, verify } from "node:crypto";

/** Verifies a ~300-byte message (an envelope's size) for `ms` milliseconds on this thread. */
export function measureVerifyPerSecond(ms = 1_000): number {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const message = Buffer.alloc(300, 7);
  const sig = sign(null, message, privateKey);
  // A short warm-up so the first timed calls are not paying for lazy initialisation.
  for (let i = 0; i < 200; i++) verify(null, message, publicKey, sig);
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 50; i++) verify(null, message, publicKey, sig);
    count += 50;
    now = performance.now();
  }
  return Math.round((count * 1000) / (now - start));
}

import { describe, expect, it } from "vitest";
import { fromHex, generateKeyPair, sign, verify } from "./crypto";
import { base64url } from "./encoding";
import { acquireVerifyPool } from "./node-crypto";
import { verifyPoolActive } from "./node-verify-pool";
import { disagreements } from "./test-vectors/ed25519-degenerate";
import { b64, rfc8032 } from "./test-vectors/rfc8032";

const vectors = rfc8032.slice(1); // TEST 2 and TEST 3;

describe("acquireVerifyPool: verify on worker threads", () => {
  it("accepts the RFC 8032 vectors and rejects altered ones, many at once, then hands back", async () => {
    const first = acquireVerifyPool(2);
    const second = acquireVerifyPool(2); // a second host in the same process shares it
    const keys = generateKeyPair();
    const messages = Array.from({ length: 200 }, (_, i) => new TextEncoder().encode(`message ${i}`));
    const sigs = await Promise.all(messages.map((m) => sign(keys.privateKey, m)));
    const [v, other] = [vectors[0]!, vectors[1]!];
    const flipped = fromHex(v.signature);
    flipped[40]! ^= 1;
    const results = await Promise.all([
      ...vectors.map((x) => verify(b64(x.public), fromHex(x.message), b64(x.signature))),
      verify(b64(other.public), fromHex(v.message), b64(v.signature)),
      verify(b64(v.public), fromHex(v.message), base64url.encode(flipped)),
      verify(b64(v.public), fromHex("73"), b64(v.signature)),
      ...messages.map((m, i) => verify(keys.publicKey, m, sigs[i]!)),
      ...messages.map((m, i) => verify(keys.publicKey, m, sigs[(i + 1) % sigs.length]!)),
    ]);
    expect(results.slice(0, 2)).toEqual([true, true]);
    expect(results.slice(2, 5)).toEqual([false, false, false]);
    expect(results.slice(5, 205).every((ok) => ok)).toBe(true);
    expect(results.slice(205).some((ok) => ok)).toBe(false);
    await first.release();
    expect(verifyPoolActive()).toBe(true);
    await second.release();
    expect(verifyPoolActive()).toBe(false);
    expect(await verify(b64(v.public), fromHex(v.message), b64(v.signature))).toBe(true);
  });

  it("gives every degenerate case the project's answer", async () => {
    const pool = acquireVerifyPool(1);
    try {
      expect(await disagreements(verify)).toEqual([]);
    } finally {
      await pool.release();
    }
  });

  it("keeps each job's bytes apart when one message carries an empty and a 300 KB envelope", async () => {
    const pool = acquireVerifyPool(1);
    const keys = generateKeyPair();
    const messages = [new Uint8Array(0), new Uint8Array(300_000).fill(7), new TextEncoder().encode("x")];
    const sigs = await Promise.all(messages.map((m) => sign(keys.privateKey, m)));
    const results = await Promise.all([
      ...messages.map((m, i) => verify(keys.publicKey, m, sigs[i]!)),
      // Each signature against its neighbour's message: an offset slip would turn one of these true.
      ...messages.map((m, i) => verify(keys.publicKey, m, sigs[(i + 1) % 3]!)),
    ]);
    expect(results).toEqual([true, true, true, false, false, false]);
    await pool.release();
  });
});

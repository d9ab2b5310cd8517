import { describe, expect, it } from "vitest";
import { fromHex, generateKeyPair, sign, verify } from "./crypto";
import { base64url } from "./encoding";
import { acquireVerifyPool } from "./node-crypto";
import { verifyPoolActive } from "./node-verify-pool";

// RFC 8032 §7.1, TEST 2 and TEST 3.
const vectors = [
  {
    public: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    message: "72",
    signature:
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
  },
  {
    public: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
    message: "af82",
    signature:
      "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
  },
];
const b64 = (hexText: string) => base64url.encode(fromHex(hexText));

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
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, generateKeyPair, sign } from "./crypto";
import { base64url } from "./encoding";
import { PublicKey, Signature } from "./schemas";
import { ed25519Degenerate } from "./test-vectors/ed25519-degenerate";

const base64urlChar = fc.constantFrom(
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split(""),
);
const b64 = (hexText: string) => base64url.encode(fromHex(hexText));

describe("PublicKey and Signature accept only what the decoder reads back", () => {
  it("a text passes exactly when base64url.decode reads it and encodes it back the same", () => {
    for (const [schema, length, bytes] of [
      [PublicKey, 43, 32],
      [Signature, 86, 64],
    ] as const) {
      fc.assert(
        fc.property(fc.string({ unit: base64urlChar, minLength: length, maxLength: length }), (text) => {
          let canonical = false;
          try {
            const decoded = base64url.decode(text);
            canonical = decoded.length === bytes && base64url.encode(decoded) === text;
          } catch {}
          // A key must also not be of small order; random text almost never is one.
          expect(schema.safeParse(text).success || !canonical).toBe(true);
          if (!canonical) expect(schema.safeParse(text).success).toBe(false);
        }),
        { numRuns: 2000 },
      );
    }
  });

  it("refuses a key or signature whose last character carries spare bits, without throwing", () => {
    const key = generateKeyPair().publicKey;
    expect(PublicKey.safeParse(key).success).toBe(true);
    // 43 characters carry 258 bits for 256: the last one's two low bits are spare.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const spare = `${key.slice(0, 42)}${alphabet[alphabet.indexOf(key[42]!) + 1]}`;
    expect(() => base64url.decode(spare)).toThrow();
    expect(PublicKey.safeParse(spare).success).toBe(false);
    expect(PublicKey.safeParse(`${"A".repeat(42)}B`).success).toBe(false);
    expect(Signature.safeParse(`${"A".repeat(85)}B`).success).toBe(false);
    for (const bad of ["", "abc", 42, null, "A".repeat(44)])
      expect(PublicKey.safeParse(bad).success).toBe(false);
  });

  it("refuses every small-order or non-canonical key of the degenerate vectors, and accepts real keys", async () => {
    for (const v of ed25519Degenerate.filter(
      (x) => x.name.includes("identity") || /^(0|1|10|11):/.test(x.name),
    )) {
      expect(PublicKey.safeParse(b64(v.public)).success, v.name).toBe(false);
    }
    const keys = generateKeyPair();
    expect(PublicKey.safeParse(keys.publicKey).success).toBe(true);
    expect(Signature.safeParse(await sign(keys.privateKey, new Uint8Array(3))).success).toBe(true);
  });
});

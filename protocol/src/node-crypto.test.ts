import { afterEach, describe, expect, it } from "vitest";
import { fromHex, generateKeyPair, sha256, sha256Hex, sign, verify } from "./crypto";
import { base64url } from "./encoding";
import { signEnvelope, verifyEnvelope } from "./envelope";
import { playerIdFor } from "./ids";
import { nodeVerifyEd25519, stopNodeCrypto, useNodeCrypto } from "./node-crypto";
import { disagreements } from "./test-vectors/ed25519-degenerate";
import { b64, rfc8032 } from "./test-vectors/rfc8032";

const vectors = rfc8032;

describe("useNodeCrypto: verify through libsodium", () => {
  afterEach(() => stopNodeCrypto());

  it("accepts the RFC 8032 test vectors", async () => {
    useNodeCrypto();
    for (const v of vectors) {
      expect(await verify(b64(v.public), fromHex(v.message), b64(v.signature))).toBe(true);
    }
  });

  it("rejects another message, another key, a flipped bit and malformed input", async () => {
    useNodeCrypto();
    const [v, other] = [vectors[1]!, vectors[2]!];
    const flipped = fromHex(v.signature);
    flipped[10]! ^= 1;
    expect(await verify(b64(v.public), fromHex("73"), b64(v.signature))).toBe(false);
    expect(await verify(b64(other.public), fromHex(v.message), b64(v.signature))).toBe(false);
    expect(await verify(b64(v.public), fromHex(v.message), base64url.encode(flipped))).toBe(false);
    expect(await verify(b64(v.public), fromHex(v.message), "not-a-signature")).toBe(false);
    expect(await verify("short", fromHex(v.message), b64(v.signature))).toBe(false);
  });

  it("rejects a signature whose S is not reduced mod L (RFC 8032 §5.1.7), like WebCrypto", async () => {
    const v = vectors[0]!;
    const sig = fromHex(v.signature);
    // S + L: the same point equation, but a non-canonical encoding a strict verifier must refuse.
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!);
    s += L;
    for (let i = 0; i < 32; i++) sig[32 + i] = Number((s >> BigInt(8 * i)) & 0xffn);
    const before = await verify(b64(v.public), fromHex(v.message), base64url.encode(sig));
    useNodeCrypto();
    expect(await verify(b64(v.public), fromHex(v.message), base64url.encode(sig))).toBe(false);
    expect(before).toBe(false);
  });

  it("refuses the identity key with the all-zero S, which a cofactorless check would accept", async () => {
    useNodeCrypto();
    // A = R = the identity point (y = 1), S = 0: [0]B = R + [k]A holds for every message.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const sig = new Uint8Array(64);
    sig.set(identity, 0);
    const key = base64url.encode(identity);
    expect(await verify(key, fromHex("616263"), base64url.encode(sig))).toBe(false);
  });

  it("gives every degenerate case the project's answer, through verify and libsodium alone", async () => {
    useNodeCrypto();
    expect(await disagreements(verify)).toEqual([]);
    // libsodium itself, without strictEd25519 in front: the rule is libsodium's own.
    expect(
      await disagreements((key, message, sig) =>
        nodeVerifyEd25519(key, base64url.decode(key), message, base64url.decode(sig)),
      ),
    ).toEqual([]);
  });

  it("verifies envelopes signed by the portable signer, and refuses altered ones", async () => {
    const keys = generateKeyPair();
    const signer = { playerId: playerIdFor("vendor", keys.publicKey), privateKey: keys.privateKey };
    const envelope = await signEnvelope(signer, "RegisterDelivery", { n: 1 });
    useNodeCrypto();
    await verifyEnvelope(envelope, keys.publicKey);
    await expect(verifyEnvelope({ ...envelope, body: { n: 2 } }, keys.publicKey)).rejects.toMatchObject({
      code: "bad_signature",
    });
    const msg = new TextEncoder().encode("one cent");
    expect(await verify(keys.publicKey, msg, await sign(keys.privateKey, msg))).toBe(true);
  });

  it("hashes with node:crypto exactly as noble does, for text and bytes", () => {
    const inputs: (string | Uint8Array)[] = ["", "abc", "é€😀".repeat(50), new Uint8Array(1000).fill(7)];
    const noble = inputs.map((x) => [sha256Hex(x), Array.from(sha256(x))]);
    useNodeCrypto();
    expect(inputs.map((x) => [sha256Hex(x), Array.from(sha256(x))])).toEqual(noble);
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

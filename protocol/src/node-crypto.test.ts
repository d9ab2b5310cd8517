import { afterEach, describe, expect, it } from "vitest";
import { fromHex, generateKeyPair, sign, verify } from "./crypto";
import { base64url } from "./encoding";
import { signEnvelope, verifyEnvelope } from "./envelope";
import { playerIdFor } from "./ids";
import { stopNodeCrypto, useNodeCrypto } from "./node-crypto";

// RFC 8032 §7.1, TEST 1–3.
const vectors = [
  {
    public: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    message: "",
    signature:
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
  },
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

describe("useNodeCrypto: verify through node:crypto", () => {
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
});

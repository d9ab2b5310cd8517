import { describe, expect, it } from "vitest";
import { generateKeyPair } from "./crypto";
import { envelopeFingerprint, signEnvelope, verifyEnvelope } from "./envelope";
import type { QuickPayError } from "./errors";
import { playerIdFor } from "./ids";

const keys = generateKeyPair();
const signer = { playerId: playerIdFor("wallet", keys.publicKey), privateKey: keys.privateKey };

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    return (e as QuickPayError).code;
  }
}

describe("envelopes", () => {
  it("sign and verify round-trip", async () => {
    const env = await signEnvelope(signer, "RegisterWallet", { publicKey: keys.publicKey });
    expect(env.from).toMatch(/^w_[0-9a-f]{32}$/);
    expect(await codeOf(verifyEnvelope(env, keys.publicKey))).toBe("ok");
  });

  it("detect tampering with any signed field", async () => {
    const env = await signEnvelope(signer, "RegisterWallet", { publicKey: keys.publicKey });
    for (const tampered of [
      { ...env, type: "RegisterVendor" },
      { ...env, id: `${env.id}x` },
      { ...env, body: { publicKey: generateKeyPair().publicKey } },
      { ...env, from: playerIdFor("wallet", generateKeyPair().publicKey) },
    ]) {
      expect(await codeOf(verifyEnvelope(tampered, keys.publicKey))).toBe("bad_signature");
    }
    expect(await codeOf(verifyEnvelope(env, generateKeyPair().publicKey))).toBe("bad_signature");
  });

  it("refuse messages outside the freshness window", async () => {
    const old = await signEnvelope(signer, "X", {}, { at: new Date(Date.now() - 6 * 60_000) });
    expect(await codeOf(verifyEnvelope(old, keys.publicKey))).toBe("stale_message");
    const future = await signEnvelope(signer, "X", {}, { at: new Date(Date.now() + 6 * 60_000) });
    expect(await codeOf(verifyEnvelope(future, keys.publicKey))).toBe("stale_message");
  });

  it("fingerprint ignores the time and signature of a resend but not its body", async () => {
    const a = await signEnvelope(signer, "X", { n: 1 }, { id: "aaaaaaaaaaaaaaaa" });
    const b = await signEnvelope(
      signer,
      "X",
      { n: 1 },
      { id: "aaaaaaaaaaaaaaaa", at: new Date(Date.now() + 1000) },
    );
    const c = await signEnvelope(signer, "X", { n: 2 }, { id: "aaaaaaaaaaaaaaaa" });
    expect(envelopeFingerprint(a)).toBe(envelopeFingerprint(b));
    expect(envelopeFingerprint(a)).not.toBe(envelopeFingerprint(c));
  });
});

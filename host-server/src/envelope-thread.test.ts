/** The envelope thread gives the same verdict and fingerprint as the checks on the event loop. */
import {
  envelopeFingerprint,
  generateKeyPair,
  playerIdFor,
  signEnvelope,
  verifyEnvelope,
} from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { EnvelopeThread } from "./envelope-thread";

describe("EnvelopeThread", () => {
  it("accepts what verifyEnvelope accepts and refuses the rest, with the same fingerprints", async () => {
    const keys = generateKeyPair();
    const other = generateKeyPair();
    const signer = { playerId: playerIdFor("vendor", keys.publicKey), privateKey: keys.privateKey };
    const body = {
      orderDigest: "ab".repeat(32),
      note: "é€😀",
      n: 1.5,
      list: [3, 2, 1],
      nested: { b: 1, a: 2 },
    };
    const envelope = await signEnvelope(signer, "RegisterDelivery", body);
    await verifyEnvelope(envelope, keys.publicKey);
    const thread = new EnvelopeThread();
    // Key order and spacing of the text do not matter: the signature covers canonical JSON.
    const { sig, ...unsigned } = envelope;
    const reordered = JSON.stringify({ sig, ...unsigned }, null, 2);
    const altered = JSON.stringify({ ...envelope, body: { ...body, n: 2 } });
    const results = await Promise.all([
      thread.check(keys.publicKey, JSON.stringify(envelope)),
      thread.check(keys.publicKey, reordered),
      thread.check(other.publicKey, JSON.stringify(envelope)),
      thread.check(keys.publicKey, altered),
      thread.check(keys.publicKey, "{not json"),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true, false, false, false]);
    expect(results[0]!.fingerprint).toBe(envelopeFingerprint(envelope));
    expect(results[1]!.fingerprint).toBe(envelopeFingerprint(envelope));
    await thread.close();
  });

  it("answers each of many checks made at once with its own verdict, across chunks", async () => {
    const keys = generateKeyPair();
    const signer = { playerId: playerIdFor("vendor", keys.publicKey), privateKey: keys.privateKey };
    const envelopes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => signEnvelope(signer, "RegisterDelivery", { i })),
    );
    const thread = new EnvelopeThread();
    // Every third one is altered after signing: its answer must be its own, whichever chunk it went in.
    const texts = envelopes.map((e, i) => JSON.stringify(i % 3 === 0 ? { ...e, body: { i: -1 } } : e));
    const results = await Promise.all(texts.map((text) => thread.check(keys.publicKey, text)));
    expect(results.map((r) => r.ok)).toEqual(envelopes.map((_, i) => i % 3 !== 0));
    for (const [i, e] of envelopes.entries()) {
      if (i % 3 !== 0) expect(results[i]!.fingerprint).toBe(envelopeFingerprint(e));
    }
    await thread.close();
  });
});

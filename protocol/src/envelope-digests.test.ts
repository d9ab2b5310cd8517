import { describe, expect, it } from "vitest";
import { generateKeyPair } from "./crypto";
import {
  type Envelope,
  envelopeDigests,
  envelopeFingerprint,
  envelopeSigningBytes,
  signEnvelope,
} from "./envelope";
import { playerIdFor } from "./ids";

const keys = generateKeyPair();
const signer = { playerId: playerIdFor("vendor", keys.publicKey), privateKey: keys.privateKey };

describe("envelopeDigests", () => {
  it("equals envelopeSigningBytes and envelopeFingerprint, body canonicalised once", async () => {
    const bodies: unknown[] = [
      { orderDigest: "ab".repeat(32), amount: { value: "0.005", currency: "USD" } },
      { deliveries: [{ z: 1, a: [1, 2.5, null, "é"], "€": true, "\u00e9": false }] },
      { nested: { b: { d: 1, c: 2 }, a: [] }, emoji: "💶", big: 1e21, small: 1e-7 },
      [],
      "text",
      0,
      null,
    ];
    for (const body of bodies) {
      const envelope = (await signEnvelope(signer, "RegisterDelivery", body)) as Envelope;
      // Key order as received must not matter.
      const shuffled = {
        sig: envelope.sig,
        body: envelope.body,
        type: envelope.type,
        at: envelope.at,
        from: envelope.from,
        id: envelope.id,
      };
      for (const e of [envelope, shuffled]) {
        const d = envelopeDigests(e);
        expect(new TextDecoder().decode(d.signingBytes)).toBe(
          new TextDecoder().decode(envelopeSigningBytes(e)),
        );
        expect(d.fingerprint).toBe(envelopeFingerprint(e));
      }
    }
  });

  it("falls back to the generic forms for a missing body", () => {
    const e = { type: "X", id: "i", from: "f", at: "t", sig: "s" } as unknown as Envelope;
    expect(envelopeDigests(e).fingerprint).toBe(envelopeFingerprint(e));
    expect(envelopeDigests(e).signingBytes).toEqual(envelopeSigningBytes(e));
  });
});

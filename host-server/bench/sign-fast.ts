/**
 * Signs envelopes with node:crypto's native Ed25519 directly (synchronous, ~20k/s per core), so the
 * load generator can prepare tens of thousands of envelopes before a run. The bytes and the text
 * form are exactly those of `signEnvelope` in @quickpay/protocol; the host cannot tell them apart.
 */
import { createPrivateKey, type KeyObject, sign } from "node:crypto";
import { base64url, canonicalBytes, type Envelope, newMessageId } from "@quickpay/protocol";

// RFC 8410 §7: an Ed25519 PKCS#8 document is this 16-byte header followed by the 32-byte seed.
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export interface FastSigner {
  playerId: string;
  key: KeyObject;
}

export function fastSigner(playerId: string, privateKey: string): FastSigner {
  const der = Buffer.concat([PKCS8_PREFIX, Buffer.from(base64url.decode(privateKey))]);
  return { playerId, key: createPrivateKey({ key: der, format: "der", type: "pkcs8" }) };
}

export function signEnvelopeSync<B, T extends string>(
  signer: FastSigner,
  type: T,
  body: B,
  options: { id?: string; at?: Date } = {},
): Envelope<B, T> {
  const unsigned = {
    type,
    id: options.id ?? newMessageId(),
    from: signer.playerId,
    at: (options.at ?? new Date()).toISOString(),
    body,
  };
  const sig = base64url.encode(sign(null, canonicalBytes(unsigned), signer.key));
  return { ...unsigned, sig };
}

/**
 * The envelope every signed QuickPay message travels in: type, id, from, at, body, and an Ed25519
 * signature over the RFC 8785 canonical JSON of everything but `sig`.
 */
import { z } from "zod";
import { canonicalBytes, canonicalJson } from "./canonical";
import { sha256Hex, sign, verify } from "./crypto";
import { QuickPayError } from "./errors";
import { newId } from "./ids";
import { MessageId, PlayerId, Signature, Timestamp } from "./schemas";

export interface Envelope<B = unknown, T extends string = string> {
  type: T;
  id: string;
  from: string;
  at: string;
  body: B;
  sig: string;
}

export const EnvelopeShape = z
  .object({
    type: z.string().min(1).max(64),
    id: MessageId,
    from: PlayerId,
    at: Timestamp,
    body: z.unknown(),
    sig: Signature,
  })
  .strict();

/** Default freshness window: `at` may be this far from the receiver's clock either way. */
export const FRESHNESS_WINDOW_MS = 5 * 60_000;

export interface Signer {
  playerId: string;
  privateKey: string;
}

export async function signEnvelope<B, T extends string>(
  signer: Signer,
  type: T,
  body: B,
  options: { id?: string; at?: Date } = {},
): Promise<Envelope<B, T>> {
  const unsigned = {
    type,
    id: options.id ?? newId(),
    from: signer.playerId,
    at: (options.at ?? new Date()).toISOString(),
    body,
  };
  const sig = await sign(signer.privateKey, canonicalBytes(unsigned));
  return { ...unsigned, sig };
}

export function envelopeSigningBytes(envelope: Envelope): Uint8Array {
  const { sig: _sig, ...unsigned } = envelope;
  return canonicalBytes(unsigned);
}

export interface VerifyOptions {
  now?: Date;
  windowMs?: number;
}

/** Throws `bad_signature` or `stale_message`; resolves when the envelope is authentic and fresh. */
export async function verifyEnvelope(envelope: Envelope, publicKey: string, options: VerifyOptions = {}) {
  const now = (options.now ?? new Date()).getTime();
  const window = options.windowMs ?? FRESHNESS_WINDOW_MS;
  const at = Date.parse(envelope.at);
  if (!Number.isFinite(at) || Math.abs(now - at) > window) {
    throw new QuickPayError(
      "stale_message",
      `message time ${envelope.at} is outside the ${window / 1000}s window`,
    );
  }
  if (!(await verify(publicKey, envelopeSigningBytes(envelope), envelope.sig))) {
    throw new QuickPayError(
      "bad_signature",
      `signature of ${envelope.type} ${envelope.id} does not verify for ${envelope.from}`,
    );
  }
}

/**
 * What idempotency compares: the same `(from, id)` with the same type and body is a repeat, whatever
 * its `at` or signature (a sender may re-sign a resend); anything else under that id is a `conflict`.
 */
export function envelopeFingerprint(envelope: Pick<Envelope, "type" | "body">): string {
  return sha256Hex(canonicalJson({ type: envelope.type, body: envelope.body }));
}

/**
 * The envelope every signed QuickPay message travels in: type, id, from, at, body, and an Ed25519
 * signature over the RFC 8785 canonical JSON of everything but `sig`.
 */
import { z } from "zod";
import { canonicalBytes, canonicalJson } from "./canonical";
import { sha256Hex, sign, verify } from "./crypto";
import { QuickPayError } from "./errors";
import { newMessageId } from "./ids";
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
    id: options.id ?? newMessageId(),
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
  /** `envelopeSigningBytes(envelope)` when the caller already has it (see `envelopeDigests`). */
  signingBytes?: Uint8Array;
}

/** Throws `stale_message` unless the envelope's `at` is within the freshness window of `now`. */
export function assertFresh(
  envelope: Pick<Envelope, "at">,
  options: Omit<VerifyOptions, "signingBytes"> = {},
) {
  const now = (options.now ?? new Date()).getTime();
  const window = options.windowMs ?? FRESHNESS_WINDOW_MS;
  const at = Date.parse(envelope.at);
  if (!Number.isFinite(at) || Math.abs(now - at) > window) {
    throw new QuickPayError(
      "stale_message",
      `message time ${envelope.at} is outside the ${window / 1000}s window`,
    );
  }
}

/** The `bad_signature` error for an envelope whose signature does not verify. */
export function signatureError(envelope: Pick<Envelope, "type" | "id" | "from">): QuickPayError {
  return new QuickPayError(
    "bad_signature",
    `signature of ${envelope.type} ${envelope.id} does not verify for ${envelope.from}`,
  );
}

/** Throws `bad_signature` or `stale_message`; resolves when the envelope is authentic and fresh. */
export async function verifyEnvelope(envelope: Envelope, publicKey: string, options: VerifyOptions = {}) {
  assertFresh(envelope, options);
  const bytes = options.signingBytes ?? envelopeSigningBytes(envelope);
  if (!(await verify(publicKey, bytes, envelope.sig))) throw signatureError(envelope);
}

/**
 * What idempotency compares: the same `(from, id)` with the same type and body is a repeat, whatever
 * its `at` or signature (a sender may re-sign a resend); anything else under that id is a `conflict`.
 */
export function envelopeFingerprint(envelope: Pick<Envelope, "type" | "body">): string {
  return sha256Hex(canonicalJson({ type: envelope.type, body: envelope.body }));
}

/**
 * What a receiver takes from one envelope, with the body (its bulk) canonicalised once for both:
 * exactly `envelopeSigningBytes(envelope)` and `envelopeFingerprint(envelope)`.
 */
export function envelopeDigests(envelope: Envelope): { signingBytes: Uint8Array; fingerprint: string } {
  if (envelope.body === undefined || typeof envelope.type !== "string") {
    return { signingBytes: envelopeSigningBytes(envelope), fingerprint: envelopeFingerprint(envelope) };
  }
  const body = canonicalJson(envelope.body);
  const fields = envelope as unknown as Record<string, unknown>;
  // RFC 8785 object rules, as canonicalJson applies them: keys sorted, undefined members skipped.
  const parts: string[] = [];
  for (const key of Object.keys(fields).sort()) {
    const value = fields[key];
    if (key === "sig" || value === undefined || typeof value === "symbol") continue;
    parts.push(`${canonicalJson(key)}:${key === "body" ? body : canonicalJson(value)}`);
  }
  return {
    signingBytes: encoder.encode(`{${parts.join(",")}}`),
    fingerprint: sha256Hex(`{"body":${body},"type":${canonicalJson(envelope.type)}}`),
  };
}

const encoder = new TextEncoder();

/**
 * Who sent this? Envelope checks in the order a receiver should make them: the right type, a sender
 * in the directory of the kind the message comes from and active, a fresh `at`, a valid signature —
 * then the sender's rate budget. Operator messages check the bearer token instead.
 */
import { timingSafeEqual } from "node:crypto";
import {
  assertFresh,
  type Envelope,
  envelopeDigests,
  envelopeFingerprint,
  type MessageSpec,
  playerIdFor,
  QuickPayError,
  signatureError,
  verifyEnvelope,
} from "@quickpay/protocol";
import type { FastifyRequest } from "fastify";
import type { HostContext } from "./context";
import type { PlayerRecord } from "./store/types";

/** The envelope exactly as received, before schema parsing normalised it (signatures cover this). */
export function rawEnvelope(request: FastifyRequest): Envelope {
  return (request as FastifyRequest & { quickpayRaw: Envelope }).quickpayRaw;
}

// Fingerprints computed while verifying (the body canonicalised once for both), per envelope object.
const fingerprints = new WeakMap<Envelope, string>();

export function fingerprintOf(envelope: Envelope): string {
  return fingerprints.get(envelope) ?? envelopeFingerprint(envelope);
}

/**
 * Envelopes up to this size go to the envelope thread. A batch's envelope (up to 1000 registrations,
 * ~300 KB) is checked on the loop: with batches the SQLite writer thread is the bottleneck, the loop
 * has time to spare, and a second busy thread would only take CPU from the writer.
 */
const ENVELOPE_THREAD_MAX_TEXT = 16 * 1024;

// The JSON text each request body was parsed from (app.ts), for checks on the envelope thread.
const rawTexts = new WeakMap<object, string>();

export function rememberRawText(parsed: unknown, text: string): void {
  if (typeof parsed === "object" && parsed !== null) rawTexts.set(parsed, text);
}

/** Checks freshness and signature; keeps the fingerprint for `fingerprintOf`. */
async function verifyAndDigest(ctx: HostContext, envelope: Envelope, publicKey: string): Promise<void> {
  const text = rawTexts.get(envelope);
  if (text !== undefined && text.length <= ENVELOPE_THREAD_MAX_TEXT && ctx.envelopeThread) {
    // The same checks, in the same order, with the canonical JSON and the signature off the loop.
    assertFresh(envelope, { now: ctx.now(), windowMs: ctx.windowMs });
    const { ok, fingerprint } = await ctx.envelopeThread.check(publicKey, text);
    if (!ok) throw signatureError(envelope);
    fingerprints.set(envelope, fingerprint);
    return;
  }
  const { signingBytes, fingerprint } = envelopeDigests(envelope);
  await verifyEnvelope(envelope, publicKey, { now: ctx.now(), windowMs: ctx.windowMs, signingBytes });
  fingerprints.set(envelope, fingerprint);
}

/** Verifies an envelope against the sender's directory entry; returns the sender. */
export async function authenticate(
  ctx: HostContext,
  spec: Pick<MessageSpec, "type" | "from">,
  envelope: Envelope,
): Promise<PlayerRecord> {
  const sender = await ctx.directory.get(envelope.from);
  if (!sender) throw new QuickPayError("unknown_player", `${envelope.from} is not in the directory`);
  const anyPlayer = spec.from === "user";
  if (!anyPlayer && sender.kind !== spec.from) {
    throw new QuickPayError("forbidden", `${spec.type} comes from a ${spec.from}, not a ${sender.kind}`);
  }
  if (sender.status !== "active") throw new QuickPayError("suspended", `${sender.id} is suspended`);
  await verifyAndDigest(ctx, envelope, sender.publicKey);
  ctx.limiter.take(sender.id);
  return sender;
}

/** Register Wallet / Register Vendor: signed by the key being registered; `from` derives from it. */
export async function authenticateSelfSigned(
  ctx: HostContext,
  kind: "wallet" | "vendor",
  envelope: Envelope,
  publicKey: string,
  clientIp: string,
): Promise<string> {
  // A fresh key is free, so a per-player budget cannot stop a flood of registrations; the IP's can.
  ctx.registrationLimiter.take(`ip:${clientIp}`);
  const id = playerIdFor(kind, publicKey);
  if (envelope.from !== id) {
    throw new QuickPayError("forbidden", `from must be ${id}, the ${kind} id of the key being registered`);
  }
  await verifyAndDigest(ctx, envelope, publicKey);
  ctx.limiter.take(id);
  return id;
}

/** True when the request carries the operator's bearer token (compared in constant time). */
export function isOperator(ctx: HostContext, request: FastifyRequest): boolean {
  const expected = Buffer.from(`Bearer ${ctx.operatorToken}`);
  const given = Buffer.from(request.headers.authorization ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function assertOperator(ctx: HostContext, request: FastifyRequest): void {
  if (!isOperator(ctx, request)) {
    throw new QuickPayError("unauthorized", "operator routes need authorization: Bearer <operator token>");
  }
}

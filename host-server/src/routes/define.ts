/**
 * How a host route is declared from its protocol message: the path, the envelope schema with the
 * message's own body schema (so OpenAPI shows it), and the raw envelope kept for signature checks.
 * `commit` turns a store outcome into a reply or the right QuickPayError.
 */
import {
  type BodyOf,
  type Envelope,
  EnvelopeShape,
  type Messages,
  messages,
  QuickPayError,
  type ReplyOf,
} from "@quickpay/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { rawEnvelope } from "../auth";
import type { HostContext } from "../context";
import { type BodyValidator, leanRoutesOf, type RequestInfo } from "../lean-routes";
import type { Effect, EffectResult, Write } from "../store/types";

export type HostApp = FastifyInstance;

type EnvelopeTypes = {
  [K in keyof Messages]: Messages[K]["auth"] extends "envelope" ? K : never;
}[keyof Messages];

export function envelopeRoute<T extends EnvelopeTypes>(
  app: HostApp,
  type: T,
  handler: (envelope: Envelope<BodyOf<T>, T>, raw: Envelope, request: RequestInfo) => Promise<ReplyOf<T>>,
  tags: string[],
): void {
  const spec = messages[type];
  const schema = EnvelopeShape.extend({ type: z.literal(type), body: spec.body as z.ZodType });
  app.withTypeProvider<ZodTypeProvider>().post(
    spec.path,
    {
      schema: { summary: spec.summary, tags, body: schema, response: { 200: spec.reply as z.ZodType } },
      preValidation: async (request) => {
        (request as FastifyRequest & { quickpayRaw: unknown }).quickpayRaw = request.body;
      },
    },
    async (request) => {
      return handler(request.body as unknown as Envelope<BodyOf<T>, T>, rawEnvelope(request), {
        ip: request.ip,
      });
    },
  );
  // The same route without fastify's per-request machinery, for plain requests (lean-routes.ts).
  leanRoutesOf(app)?.add(spec.path, {
    validate: validatorCompiler({
      schema,
      method: "POST",
      url: spec.path,
      httpPart: "body",
    }) as BodyValidator,
    handle: (envelope, raw, request) => handler(envelope as Envelope<BodyOf<T>, T>, raw, request),
  });
}

/** Submits a write through group commit; resolves with its (stored) result once durable. */
export async function commit<E extends Effect>(
  ctx: HostContext,
  write: Write<E>,
): Promise<EffectResult[E["kind"]]> {
  // A player's status or details are changing: no request may act on the cached entry meanwhile.
  const player = playerChangedBy(write.effect);
  if (player) ctx.directory.forget(player);
  const outcome = await ctx.queue.submit(write);
  if (player) ctx.directory.forget(player);
  switch (outcome.status) {
    case "applied":
    case "repeat":
      return outcome.result as EffectResult[E["kind"]];
    case "conflict":
      throw new QuickPayError("conflict", outcome.message);
    case "refused":
      throw new QuickPayError(outcome.code, outcome.message, outcome.details);
  }
}

function playerChangedBy(effect: Effect): string | undefined {
  if (effect.kind === "setPlayerStatus") return effect.playerId;
  if (effect.kind === "registerPlayer") return effect.player.id;
  return undefined;
}

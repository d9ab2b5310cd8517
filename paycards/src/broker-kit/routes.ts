/**
 * The broker's HTTP routes: one POST per message addressed to a broker, each going through the same
 * gate — envelope shape, type, sender kind, body schema, directory key and status, signature and
 * freshness, then exactly-once replay — before its handler runs.
 */
import {
  type BodyOf,
  EnvelopeShape,
  envelopeFingerprint,
  type HandlerMap,
  type MessagesTo,
  messages,
  playerKindOf,
  QuickPayError,
  verifyEnvelope,
} from "@quickpay/protocol";
import type { FastifyInstance } from "fastify";
import { answerResponse, checkBalance, confirmPaycard } from "./add-paycard";
import type { Broker, HandlerContext } from "./context";
import { zodDetails } from "./http-errors";
import { checkCommit, inquiryPayment } from "./micropayment";
import { settleWithBroker } from "./settlement";

export const brokerHandlers = {
  ConfirmPaycard: confirmPaycard,
  AnswerResponse: answerResponse,
  CheckBalance: checkBalance,
  InquiryPayment: inquiryPayment,
  CheckCommit: checkCommit,
  SettleWithBroker: settleWithBroker,
} satisfies HandlerMap<"broker", HandlerContext>;

export type BrokerMessageType = MessagesTo<"broker">;

/**
 * Refusals that are decisions about the message itself, so a resend of the same message must get
 * the same answer rather than count as a new attempt.
 */
const REPLAYED_REFUSALS = new Set(["wrong_answer", "too_many_attempts"]);

/** Batches of up to 1000 endorsements need more than the server's default 64 KiB body limit. */
const BODY_LIMITS: Partial<Record<BrokerMessageType, number>> = { SettleWithBroker: 1024 * 1024 };

export function registerBrokerRoutes(app: FastifyInstance, broker: Broker): void {
  for (const type of Object.keys(brokerHandlers) as BrokerMessageType[]) {
    const spec = messages[type];
    const limit = BODY_LIMITS[type];
    app.post(spec.path, limit ? { bodyLimit: limit } : {}, async (request, reply) => {
      const now = broker.now();
      const shape = EnvelopeShape.safeParse(request.body);
      if (!shape.success) {
        throw new QuickPayError(
          "invalid_request",
          `${type} must be a signed envelope`,
          zodDetails(shape.error),
        );
      }
      const envelope = shape.data;
      if (envelope.type !== type) {
        throw new QuickPayError("invalid_request", `envelope type ${envelope.type} posted to ${spec.path}`);
      }
      const kind = playerKindOf(envelope.from);
      if (kind !== spec.from) {
        throw new QuickPayError("forbidden", `${type} comes from a ${spec.from}, not ${envelope.from}`);
      }
      const body = spec.body.safeParse(envelope.body);
      if (!body.success) {
        throw new QuickPayError("invalid_request", `${type} body is invalid`, zodDetails(body.error));
      }
      const sender = await broker.directory.active(envelope.from, spec.from);
      await verifyEnvelope(envelope, sender.publicKey, { now });

      const fingerprint = envelopeFingerprint(envelope);
      const stored = broker.ledger.idempotency.get(envelope.from, envelope.id);
      if (stored) {
        if (stored.fingerprint !== fingerprint) {
          throw new QuickPayError(
            "conflict",
            `message id ${envelope.id} was already used for a different message`,
          );
        }
        return reply.code(stored.statusCode).send(stored.response);
      }

      const ctx: HandlerContext = { broker, from: envelope.from, messageId: envelope.id, now };
      const remember = (statusCode: number, response: unknown) =>
        broker.ledger.idempotency.put(
          envelope.from,
          envelope.id,
          { type, fingerprint, statusCode, response },
          now.getTime(),
        );
      try {
        const handler = brokerHandlers[type] as (
          b: BodyOf<typeof type>,
          c: HandlerContext,
        ) => Promise<unknown>;
        const result = spec.reply.parse(await handler(body.data as BodyOf<typeof type>, ctx));
        remember(200, result);
        return reply.code(200).send(result);
      } catch (error) {
        if (error instanceof QuickPayError && REPLAYED_REFUSALS.has(error.code)) {
          remember(error.status, error.toJSON());
        }
        throw error;
      }
    });
  }
}

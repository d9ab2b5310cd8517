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
  OneAtATime,
  playerKindOf,
  QuickPayError,
  verifyEnvelope,
} from "@quickpay/protocol";
import type { FastifyInstance } from "fastify";
import { answerResponse, checkBalance, confirmPaycard, forgetPaycard } from "./add-paycard";
import type { Broker, HandlerContext } from "./context";
import { zodDetails } from "./http-errors";
import { AlreadyAnswered, type Answer, type MessageKey, type StoredReply } from "./ledger/idempotency";
import { checkCommit, inquiryPayment } from "./micropayment";
import { settleWithBroker } from "./settlement";

export const brokerHandlers = {
  ConfirmPaycard: confirmPaycard,
  AnswerResponse: answerResponse,
  CheckBalance: checkBalance,
  ForgetPaycard: forgetPaycard,
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

const isReplayedRefusal = (error: unknown): error is QuickPayError =>
  error instanceof QuickPayError && REPLAYED_REFUSALS.has(error.code);

/** A later copy of an answered message: the stored reply, or `conflict` if its body is another. */
function answerFrom(stored: StoredReply, message: MessageKey): Answer {
  if (stored.fingerprint !== message.fingerprint) {
    throw new QuickPayError(
      "conflict",
      `message id ${message.messageId} was already used for a different message`,
    );
  }
  return stored;
}

/**
 * A copy of a message that arrives while another copy is being handled waits for it (OneAtATime, by
 * `(sender, id)`) and is then answered like any later copy — the stored reply, or `conflict` for
 * another body — and runs itself only if the first left no reply (a refusal that is not kept). The
 * guarantee is the ledger's claim in the effect's transaction (`IdempotencyStore.once`), which also
 * holds across processes sharing the ledger; this spares a copy the signing and a transient refusal
 * of its own where the first got through.
 */
function oneCopyAtATime(broker: Broker) {
  const copies = new OneAtATime();
  return (message: MessageKey, run: () => Promise<Answer>): Promise<Answer> =>
    copies.run(`${message.sender} ${message.messageId}`, async () => {
      const stored = broker.ledger.idempotency.get(message.sender, message.messageId);
      return stored ? answerFrom(stored, message) : run();
    });
}

/** Batches of up to 1000 endorsements need more than the server's default 64 KiB body limit. */
const BODY_LIMITS: Partial<Record<BrokerMessageType, number>> = { SettleWithBroker: 1024 * 1024 };

export function registerBrokerRoutes(app: FastifyInstance, broker: Broker): void {
  const oneAtATime = oneCopyAtATime(broker);

  /**
   * Runs the handler with `apply` bound to this message: its effect and its reply in one ledger
   * transaction. A handler that never applies (it writes nothing) has its reply recorded alone. A
   * refusal is recorded only if it is a decision about the message (REPLAYED_REFUSALS), then in the
   * transaction of what the refusal itself wrote (a counted wrong answer); any other rolls back.
   */
  async function handle<T extends BrokerMessageType>(
    type: T,
    body: BodyOf<T>,
    message: MessageKey,
    now: Date,
  ): Promise<Answer> {
    const spec = messages[type];
    const record = (answer: () => Answer & { refusal?: QuickPayError }) => {
      try {
        return broker.ledger.idempotency.once(message, now.getTime(), answer);
      } catch (error) {
        // Another process sharing the ledger answered this message first: its answer stands.
        if (error instanceof AlreadyAnswered) return answerFrom(error.stored, message);
        throw error;
      }
    };
    let applied: (Answer & { refusal?: QuickPayError }) | undefined;
    const ctx: HandlerContext = {
      broker,
      from: message.sender,
      messageId: message.messageId,
      now,
      apply<R>(effect: () => R): R {
        if (applied) throw new Error(`${type}: a handler applies its effect once`);
        applied = broker.ledger.idempotency.once(message, now.getTime(), () => {
          try {
            return { statusCode: 200, response: spec.reply.parse(effect()) };
          } catch (error) {
            if (!isReplayedRefusal(error)) throw error;
            return { statusCode: error.status, response: error.toJSON(), refusal: error };
          }
        });
        if (applied.refusal) throw applied.refusal;
        return applied.response as R;
      },
    };
    const handler = brokerHandlers[type] as (b: BodyOf<T>, c: HandlerContext) => Promise<unknown>;
    try {
      const result = await handler(body, ctx);
      return applied ?? record(() => ({ statusCode: 200, response: spec.reply.parse(result) }));
    } catch (error) {
      if (error instanceof AlreadyAnswered) return answerFrom(error.stored, message);
      if (applied) {
        // The effect and its reply are committed: that reply is the message's answer, now and on
        // every resend, whatever the handler did after.
        if (applied.refusal !== error)
          app.log.error({ err: error }, `${type} failed after its effect was applied`);
        return applied;
      }
      if (!isReplayedRefusal(error)) throw error;
      return record(() => ({ statusCode: error.status, response: error.toJSON() }));
    }
  }

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

      const message: MessageKey = {
        sender: envelope.from,
        messageId: envelope.id,
        type,
        fingerprint: envelopeFingerprint(envelope),
      };
      const answer = await oneAtATime(message, () =>
        handle(type, body.data as BodyOf<typeof type>, message, now),
      );
      return reply.code(answer.statusCode).send(answer.response);
    });
  }
}

/**
 * Maps everything a request can throw to `{ error: { code, message } }` with the code's status:
 * QuickPayErrors as they are, schema violations as `invalid_request`, body-size and JSON errors as
 * 4xx. Only a fault of the host itself becomes a 500 (and is logged).
 */
import { errorStatus, QuickPayError } from "@quickpay/protocol";
import type { FastifyBaseLogger, FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";

export function toQuickPayError(error: unknown): QuickPayError {
  if (error instanceof QuickPayError) return error;
  const e = error as FastifyError & { validation?: unknown };
  if (hasZodFastifySchemaValidationErrors(e) || e.validation) {
    const issues = (e.validation as { instancePath?: string; message?: string }[] | undefined) ?? [];
    const first = issues[0];
    const where = first?.instancePath ? `${first.instancePath}: ` : "";
    return new QuickPayError("invalid_request", `${where}${first?.message ?? e.message}`, {
      issues: issues.slice(0, 10).map((i) => ({ path: i.instancePath, message: i.message })),
    });
  }
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") return new QuickPayError("payload_too_large", e.message);
  if (e.statusCode === 429) return new QuickPayError("rate_limited", "too many requests; slow down");
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    return new QuickPayError("invalid_request", e.message);
  }
  return new QuickPayError("internal", "the host failed to handle this request", undefined, { cause: error });
}

/**
 * The status and body a request gets for `error`, logged as it should be: a fault of the host as an
 * error, a refusal at info. Shared by fastify's error handler and the lean path (lean-routes.ts).
 */
export function errorReply(
  error: unknown,
  log: FastifyBaseLogger | undefined,
  url: string,
): { status: number; body: ReturnType<QuickPayError["toJSON"]> } {
  const qp = toQuickPayError(error);
  if (qp.code === "internal") log?.error({ err: error }, "request failed");
  else log?.info({ code: qp.code, url }, qp.message);
  // Keep the transport status of fastify's own 4xx (e.g. 415) when it is more precise than the code's.
  const fastifyStatus = (error as FastifyError).statusCode;
  const status =
    qp.code === "invalid_request" && fastifyStatus && fastifyStatus >= 400 && fastifyStatus < 500
      ? fastifyStatus
      : errorStatus[qp.code];
  return { status, body: qp.toJSON() };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = errorReply(error, request.log, request.url);
    reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send(
        new QuickPayError("not_found", `no route ${request.method} ${request.url.split("?")[0]}`).toJSON(),
      );
  });
}

/**
 * Maps everything a request can throw to `{ error: { code, message } }` with the code's status:
 * QuickPayErrors as they are, schema violations as `invalid_request`, body-size and JSON errors as
 * 4xx. Only a fault of the host itself becomes a 500 (and is logged).
 */
import { errorStatus, QuickPayError } from "@quickpay/protocol";
import type { FastifyError, FastifyInstance } from "fastify";
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

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const qp = toQuickPayError(error);
    if (qp.code === "internal") request.log.error({ err: error }, "request failed");
    else request.log.info({ code: qp.code, url: request.url }, qp.message);
    // Keep the transport status of fastify's own 4xx (e.g. 415) when it is more precise than the code's.
    const fastifyStatus = (error as FastifyError).statusCode;
    const status =
      qp.code === "invalid_request" && fastifyStatus && fastifyStatus >= 400 && fastifyStatus < 500
        ? fastifyStatus
        : errorStatus[qp.code];
    reply.status(status).send(qp.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send(
        new QuickPayError("not_found", `no route ${request.method} ${request.url.split("?")[0]}`).toJSON(),
      );
  });
}

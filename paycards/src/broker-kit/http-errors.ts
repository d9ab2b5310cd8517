/** Turns anything a route throws into `{ error: { code, message, details? } }` with its status. */
import { QuickPayError } from "@quickpay/protocol";
import type { FastifyError, FastifyInstance } from "fastify";
import type { ZodError } from "zod";

/** Zod issues as plain data: where and what, no internals. */
export function zodDetails(error: ZodError): { issues: { path: string; message: string }[] } {
  return {
    issues: error.issues
      .slice(0, 20)
      .map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
  };
}

/** Maps fastify's own refusals (bad JSON, wrong media type, too large) to stable QuickPay codes. */
export function toQuickPayError(error: unknown): QuickPayError {
  if (error instanceof QuickPayError) return error;
  const e = error as Partial<FastifyError>;
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE" || e.statusCode === 413) {
    return new QuickPayError("payload_too_large", "the request body is too large");
  }
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    return new QuickPayError("invalid_request", e.message ?? "bad request");
  }
  return new QuickPayError("internal", "internal error", undefined, { cause: error });
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const qp = toQuickPayError(error);
    if (qp.code === "internal") request.log.error({ err: error }, "unexpected error");
    return reply.code(qp.status).send(qp.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const qp = new QuickPayError("not_found", `no route ${request.method} ${request.url}`);
    return reply.code(qp.status).send(qp.toJSON());
  });
}

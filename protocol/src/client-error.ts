/**
 * The answer to a request an HTTP/1.1 parser could not read (node's `clientError`: an unknown method,
 * raw non-ASCII in the URL, headers with the URL over 16 KB, a malformed chunk, a request too slow to
 * arrive), for every QuickPay server: the project's `{ error: { code, message } }` and
 * `Connection: close`, because the rest of the connection cannot be parsed either. There is no
 * request or reply object at that point, so the response is written to the socket as raw HTTP.
 */
import { QuickPayError } from "./errors";

/** The parts of a node `net.Socket` the answer needs (this module imports nothing from node). */
export interface ClientErrorSocket {
  readonly writable: boolean;
  readonly destroyed: boolean;
  end(data: string, callback?: () => void): unknown;
  destroy(error?: Error): unknown;
}

/** Status, and the error the client gets, for a parser error's code (node's `err.code`). */
function refusal(code: string | undefined): { status: number; reason: string; error: QuickPayError } {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return {
        status: 431,
        reason: "Request Header Fields Too Large",
        error: new QuickPayError("invalid_request", "the request line and headers exceed 16 KB"),
      };
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return {
        status: 413,
        reason: "Payload Too Large",
        error: new QuickPayError("payload_too_large", "the request's chunk extensions are too large"),
      };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return {
        status: 408,
        reason: "Request Timeout",
        error: new QuickPayError("invalid_request", "the request did not arrive in time"),
      };
    default:
      return {
        status: 400,
        reason: "Bad Request",
        error: new QuickPayError(
          "invalid_request",
          `the request is not HTTP/1.1 this server can read${code?.startsWith("HPE_") ? ` (${code})` : ""}`,
        ),
      };
  }
}

/** The raw HTTP response for a parser error with this code. */
export function clientErrorResponse(code: string | undefined): string {
  const { status, reason, error } = refusal(code);
  const body = JSON.stringify(error.toJSON());
  return (
    `HTTP/1.1 ${status} ${reason}\r\n` +
    "Content-Type: application/json; charset=utf-8\r\n" +
    `Content-Length: ${new TextEncoder().encode(body).length}\r\n` +
    "Connection: close\r\n\r\n" +
    body
  );
}

/**
 * A `clientError` listener (node:http `server.on("clientError", …)`, fastify's `clientErrorHandler`):
 * answers in the project's shape and closes the connection once the answer is out. As node's own
 * default does, it writes nothing when the socket is gone or a response on it has begun (a
 * pipelined request's reply is half written: anything more would corrupt it).
 */
export function answerClientError(error: Error & { code?: string }, socket: ClientErrorSocket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorResponse(error.code), () => socket.destroy());
}

/**
 * The options every QuickPay fastify server passes to `Fastify()` so that nothing it answers before a
 * route runs leaves the project's shape: what node's parser cannot read (`clientErrorHandler`) and
 * what fastify refuses before routing, such as a malformed URL or content-type (`frameworkErrors`).
 * Typed structurally: this module imports nothing from fastify.
 */
export const fastifyErrorOptions = {
  clientErrorHandler: answerClientError,
  frameworkErrors(error: Error, _request: unknown, reply: unknown): void {
    (reply as { code(n: number): { send(body: unknown): void } })
      .code(400)
      .send(new QuickPayError("invalid_request", error.message).toJSON());
  },
};

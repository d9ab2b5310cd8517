/**
 * Fetch-API plumbing shared by the vendor handlers: JSON replies, the `{ error: { code, message } }`
 * shape, CORS for the Wallet's service worker, and reading a bounded JSON body.
 */
import { parseJson, QuickPayError } from "@quickpay/protocol";
import type { z } from "zod";

/** Largest request body the handlers read: a signed order plus an endorsement is ~2 KB. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * The Wallet's service worker calls these endpoints with `fetch` from a `chrome-extension://` origin
 * (and other wallets from their own). The endpoints are anonymous by design (no cookies, no wallet
 * identity — authority is the vendor's own signature and the broker's endorsement inside the body),
 * so any origin may call them.
 */
export const corsHeaders: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-allow-headers": "content-type",
  "access-control-max-age": "600",
};

export function json(status: number, value: unknown, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...corsHeaders, ...extra },
  });
}

/**
 * Any thrown value becomes a stable wire error; unknown failures become `internal` (500). A body
 * refused as too large was not read to its end, so the connection is closed after the answer
 * (`Connection: close`): what the client still sends cannot be taken for a next request.
 */
export function errorResponse(error: unknown): Response {
  const e = toQuickPayError(error);
  return json(e.status, e.toJSON(), e.code === "payload_too_large" ? { connection: "close" } : {});
}

export function toQuickPayError(error: unknown): QuickPayError {
  if (error instanceof QuickPayError) return error;
  return new QuickPayError("internal", "the vendor could not handle this request", undefined, {
    cause: error,
  });
}

export function preflight(): Response {
  return new Response(null, { status: 204, headers: corsHeaders });
}

export function methodNotAllowed(): Response {
  return json(405, new QuickPayError("invalid_request", "use POST with a JSON body").toJSON(), {
    allow: "POST, OPTIONS",
  });
}

/**
 * Reads and validates a JSON body: `payload_too_large` past `MAX_BODY_BYTES` (declared or, for a
 * chunked body, counted as it arrives: reading stops at the limit, so no upload costs more memory
 * than that), `invalid_request` for text that is not I-JSON (the protocol's `parseJson`: a key
 * repeated, a prototype-poisoning key) or fails the schema.
 */
export async function readBody<S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> {
  const value = parseJson(await readText(req, MAX_BODY_BYTES));
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.map(String).join(".") : "body";
    throw new QuickPayError("invalid_request", `${where}: ${issue?.message ?? "invalid"}`, {
      issues: parsed.error.issues
        .slice(0, 10)
        .map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
    });
  }
  return parsed.data;
}

/** The body's text, reading no more than `limit` bytes of it (then `payload_too_large`). */
export async function readText(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) {
    throw new QuickPayError("payload_too_large", `body is ${declared} bytes, at most ${limit}`);
  }
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > limit) {
      // Stop the stream where it is: the rest is never read, let alone kept.
      reader.cancel().catch(() => {});
      throw new QuickPayError("payload_too_large", `body is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

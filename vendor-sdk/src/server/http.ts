/**
 * Fetch-API plumbing shared by the vendor handlers: JSON replies, the `{ error: { code, message } }`
 * shape, CORS for the Wallet's service worker, and reading a bounded JSON body.
 */
import { QuickPayError } from "@quickpay/protocol";
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

/** Any thrown value becomes a stable wire error; unknown failures become `internal` (500). */
export function errorResponse(error: unknown): Response {
  const e = toQuickPayError(error);
  return json(e.status, e.toJSON());
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

/** Reads and validates a JSON body; `payload_too_large` or `invalid_request` otherwise. */
export async function readBody<S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) {
    throw new QuickPayError("payload_too_large", `body is ${declared} bytes, at most ${MAX_BODY_BYTES}`);
  }
  const text = await req.text();
  if (new TextEncoder().encode(text).length > MAX_BODY_BYTES) {
    throw new QuickPayError("payload_too_large", `body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new QuickPayError("invalid_request", "body is not JSON");
  }
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

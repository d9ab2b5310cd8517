/**
 * Sending a QuickPay message over HTTP and reading its reply, the same way for every player. The
 * transport (`fetch`) is injected, so this stays free of I/O choices and runs in Node and browsers.
 */
import type { Envelope } from "./envelope";
import { QuickPayError } from "./errors";
import { parseJson } from "./json";
import { type BodyInputOf, type MessageType, messages, type ReplyOf } from "./messages";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface CallOptions {
  fetch?: FetchLike;
  /** Extra headers, e.g. the operator's `authorization`. */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

const unreachable = {
  host: "host_unreachable",
  broker: "broker_unreachable",
  vendor: "vendor_unreachable",
} as const;

/** Joins a player's registered endpoint (which may carry a path prefix) with a `/v1/…` path. */
export function endpointUrl(endpoint: string, path: string): string {
  return endpoint.replace(/\/+$/, "") + path;
}

/**
 * POSTs a message (a signed envelope, or a plain body for anonymous/operator messages) and returns
 * the validated reply. Throws the receiver's QuickPayError, or `<receiver>_unreachable`.
 */
export async function sendMessage<T extends MessageType>(
  endpoint: string,
  type: T,
  payload: Envelope<BodyInputOf<T>, T> | BodyInputOf<T>,
  options: CallOptions = {},
): Promise<ReplyOf<T>> {
  const spec = messages[type];
  const url = endpointUrl(endpoint, spec.path);
  const response = await request(
    url,
    spec.to,
    {
      method: "POST",
      headers: { "content-type": "application/json", ...options.headers },
      body: JSON.stringify(payload),
    },
    options,
  );
  return readReply(response, spec.reply, `${type} reply`) as Promise<ReplyOf<T>>;
}

/** GETs a JSON resource (directory, order status) and validates it. */
export async function getJson<S extends { parse(value: unknown): unknown }>(
  url: string,
  schema: S,
  options: CallOptions & { from?: keyof typeof unreachable } = {},
): Promise<ReturnType<S["parse"]>> {
  const response = await request(
    url,
    options.from ?? "host",
    { method: "GET", headers: options.headers },
    options,
  );
  return readReply(response, schema, `GET ${new URL(url).pathname}`) as Promise<ReturnType<S["parse"]>>;
}

async function request(url: string, to: string, init: RequestInit, options: CallOptions): Promise<Response> {
  const doFetch = options.fetch ?? fetch;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 15_000);
  try {
    return await doFetch(url, { ...init, signal });
  } catch (cause) {
    const code = unreachable[to as keyof typeof unreachable] ?? "internal";
    throw new QuickPayError(code, `could not reach ${to} at ${url}: ${(cause as Error).message}`, undefined, {
      cause,
    });
  }
}

async function readReply(response: Response, schema: { parse(value: unknown): unknown }, what: string) {
  const text = await response.text();
  let json: unknown;
  try {
    // The servers' own parser: a reply that repeats a key is as unreadable as one that is not JSON.
    json = text === "" ? undefined : parseJson(text);
  } catch {
    throw new QuickPayError("internal", `${what}: HTTP ${response.status} with a body that is not I-JSON`);
  }
  if (!response.ok) throw QuickPayError.fromJSON(json, `${what}: HTTP ${response.status}`);
  try {
    return schema.parse(json);
  } catch (cause) {
    throw new QuickPayError("internal", `${what} does not match its schema`, undefined, { cause });
  }
}

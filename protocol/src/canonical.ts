/** RFC 8785 (JSON Canonicalization Scheme) — the byte string every signature and digest is taken over. */
import canonicalizeImpl from "canonicalize";
import { QuickPayError } from "./errors";

const encoder = new TextEncoder();

export function canonicalJson(value: unknown): string {
  const text = canonicalizeImpl(value);
  if (text === undefined) throw new QuickPayError("invalid_request", "value cannot be canonicalised as JSON");
  return text;
}

export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}

/** Runtime schemas for the small shapes every message is built from. */
import { z } from "zod";
import { isCanonicalPoint, isSmallOrderPoint } from "./crypto";
import { base64url } from "./encoding";
import { messageIdPattern, playerIdPattern } from "./ids";
import { currencyPattern, moneyValuePattern, normalizeMoney } from "./money";

export const PlayerId = z.string().regex(playerIdPattern, "a player id like w_…, v_…, b_… or h_…");
export const WalletId = z.string().regex(/^w_[0-9a-f]{32}$/, "a wallet id (w_…)");
export const VendorId = z.string().regex(/^v_[0-9a-f]{32}$/, "a vendor id (v_…)");
export const BrokerId = z.string().regex(/^b_[0-9a-f]{32}$/, "a broker id (b_…)");
export const MessageId = z.string().regex(messageIdPattern, "16–64 base64url characters");

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * The one text of `bytes` bytes in unpadded base64url (RFC 4648 §5, §3.5): the last character's
 * spare bits (2 of a 32-byte value, 4 of a 64-byte one) must be zero. Otherwise four strings name
 * one key, and the decoder (`base64url.decode`) throws on all but one of them.
 */
export function base64urlPattern(bytes: number): RegExp {
  const chars = Math.ceil((bytes * 8) / 6);
  const spare = chars * 6 - bytes * 8;
  const last = [...BASE64URL].filter((_, i) => i % 2 ** spare === 0).join("");
  return new RegExp(`^[A-Za-z0-9_-]{${chars - 1}}[${last.replace("-", "\\-")}]$`);
}

/** `bytes` bytes as canonical unpadded base64url. */
export function Base64Url(bytes: number, what: string) {
  return z.string().regex(base64urlPattern(bytes), `${what}: ${bytes} bytes in canonical base64url`);
}

const publicKeyPattern = base64urlPattern(32);
/**
 * 32 bytes, canonical base64url: an Ed25519 public key as RFC 8032 encodes it (y below p) and not a
 * point of small order, which could "sign" messages it never saw (crypto.ts `strictEd25519`).
 */
export const PublicKey = Base64Url(32, "a 32-byte Ed25519 key").refine((text) => {
  // zod runs this after a failed pattern too; that failure is already reported.
  if (!publicKeyPattern.test(text)) return true;
  const key = base64url.decode(text);
  return isCanonicalPoint(key) && !isSmallOrderPoint(key);
}, "an Ed25519 public key, canonically encoded and not of small order");
/** 64 bytes, canonical base64url. */
export const Signature = Base64Url(64, "a 64-byte Ed25519 signature");
export const Digest = z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 digest in lower-case hex");
export const Timestamp = z.iso.datetime({ offset: false, precision: 3 });
export const ShortText = z.string().min(1).max(200);

/** Wire money; parsing normalises the value so "0.010" and "0.01" are one amount. */
export const Money = z
  .object({
    currency: z.string().regex(currencyPattern, "ISO 4217 code, e.g. USD"),
    value: z.string().regex(moneyValuePattern, "decimal string with at most 6 decimals"),
  })
  .strict()
  .transform((m) => normalizeMoney(m));

/** A web origin exactly as `location.origin` prints it: scheme, host, optional port, nothing else. */
export const Origin = z
  .string()
  .max(300)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "https:" || u.protocol === "http:") && u.origin === s;
    } catch {
      return false;
    }
  }, "an origin like https://shop.example (no path, no trailing slash)");

export const HttpUrl = z
  .string()
  .max(2000)
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === "https:" || u.protocol === "http:";
    } catch {
      return false;
    }
  }, "an http(s) URL");

/** Runtime schemas for the small shapes every message is built from. */
import { z } from "zod";
import { messageIdPattern, playerIdPattern } from "./ids";
import { currencyPattern, moneyValuePattern, normalizeMoney } from "./money";

export const PlayerId = z.string().regex(playerIdPattern, "a player id like w_…, v_…, b_… or h_…");
export const WalletId = z.string().regex(/^w_[0-9a-f]{32}$/, "a wallet id (w_…)");
export const VendorId = z.string().regex(/^v_[0-9a-f]{32}$/, "a vendor id (v_…)");
export const BrokerId = z.string().regex(/^b_[0-9a-f]{32}$/, "a broker id (b_…)");
export const MessageId = z.string().regex(messageIdPattern, "16–64 base64url characters");
/** 32 bytes, base64url without padding. */
export const PublicKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "a 32-byte Ed25519 key in base64url");
/** 64 bytes, base64url without padding. */
export const Signature = z.string().regex(/^[A-Za-z0-9_-]{86}$/, "a 64-byte Ed25519 signature in base64url");
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

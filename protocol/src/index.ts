/** @quickpay/protocol — the one shared contract. No I/O of its own. */
export * from "./canonical";
export * from "./client";
export * from "./client-error";
export * from "./crypto";
export * from "./directory";
export * from "./encoding";
export * from "./envelope";
export * from "./errors";
export * from "./ids";
export * from "./json";
export * from "./messages";
export * from "./money";
export * from "./one-at-a-time";
export * from "./order";
export * from "./page-api";
export * from "./resend";
export * as schemas from "./schemas";
export {
  Digest,
  HttpUrl,
  MessageId,
  Money as MoneySchema,
  Origin,
  PlayerId,
  PublicKey,
  Signature,
  Timestamp,
} from "./schemas";
export * from "./words";

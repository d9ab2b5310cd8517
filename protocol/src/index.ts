/** @quickpay/protocol — the one shared contract. No I/O of its own. */
export * from "./canonical";
export * from "./client";
export * from "./crypto";
export * from "./directory";
export * from "./encoding";
export * from "./envelope";
export * from "./errors";
export * from "./ids";
export * from "./messages";
export * from "./money";
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

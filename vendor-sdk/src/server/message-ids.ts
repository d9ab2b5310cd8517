/**
 * Message ids the vendor derives instead of drawing at random, so that every resend of the same
 * Check Commit or Register Delivery — after a crash, a timeout, a repeated Wallet request — carries
 * the same id and the receiver's exactly-once store answers it from memory instead of acting twice.
 * They carry the order's creation time, so they sort by time like minted ids (`derivedMessageId`).
 */
import { derivedMessageId as derive } from "@quickpay/protocol";

/** A UUIDv7 from the order's `createdAt` and a hash of what the message is about. */
export function derivedMessageId(
  purpose: "check-commit" | "register-delivery",
  vendorId: string,
  key: string,
  orderCreatedAt: string,
) {
  return derive(`quickpay/vendor-sdk/${purpose}/${vendorId}/${key}`, orderCreatedAt);
}

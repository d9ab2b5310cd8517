/**
 * Message ids the vendor derives instead of drawing at random, so that every resend of the same
 * Check Commit or Register Delivery — after a crash, a timeout, a repeated Wallet request — carries
 * the same id and the receiver's exactly-once store answers it from memory instead of acting twice.
 */
import { base64url, sha256 } from "@quickpay/protocol";

/** 32 base64url characters (24 bytes of SHA-256), within the protocol's 16–64 character ids. */
export function derivedMessageId(
  purpose: "check-commit" | "register-delivery",
  vendorId: string,
  key: string,
) {
  return base64url.encode(sha256(`quickpay/vendor-sdk/${purpose}/${vendorId}/${key}`).subarray(0, 24));
}

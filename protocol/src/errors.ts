/** The one QuickPay error type: a stable snake_case code, a human message, optional details, an HTTP status. */

/** Every error code any player may send, with the HTTP status it travels under. */
export const errorStatus = {
  invalid_request: 400,
  stale_message: 400,
  bad_signature: 401,
  unauthorized: 401,
  insufficient_funds: 402,
  forbidden: 403,
  not_registered: 403,
  suspended: 403,
  /**
   * Register Vendor: the host could not find the vendor's key at the origin's
   * `/.well-known/quickpay.json` (unreachable, not there, or listing other keys); `details` name the
   * origin and why.
   */
  origin_not_proven: 403,
  wrong_answer: 403,
  unknown_player: 404,
  unknown_commit: 404,
  not_found: 404,
  conflict: 409,
  already_endorsed: 409,
  already_settled: 409,
  revoked: 409,
  order_expired: 410,
  /** A receipt re-presented after the vendor's receipt policy for the item ran out. */
  receipt_expired: 410,
  payload_too_large: 413,
  mismatch: 422,
  too_many_attempts: 429,
  rate_limited: 429,
  internal: 500,
  /**
   * The vendor's own catalogue entry for the item is invalid (amount, kind, description…): the shop
   * signs no order for it; `details.itemId` names it. The shop's fault, never the shopper's.
   */
  invalid_catalog_item: 500,
  /** The receiver does not implement this yet (e.g. a vendor SDK asked for a regular order). */
  not_supported: 501,
  broker_unreachable: 502,
  vendor_unreachable: 502,
  host_unreachable: 502,
  /**
   * The vendor accepted the order but could not produce the goods this time (its `deliver()` failed);
   * nothing was charged for it yet, and the same request may be sent again.
   */
  delivery_failed: 503,
  // Page API only (Wallet ↔ vendor page); never sent over HTTP but still stable.
  declined: 400,
  not_a_vendor: 403,
  no_paycard: 409,
  wallet_locked: 423,
  /** The Wallet's local password (lock, backup) did not match. */
  wrong_password: 403,
  /** The purchase ended without a charge (the reason is in the message and `details.reason`). */
  not_charged: 409,
} as const;

export type ErrorCode = keyof typeof errorStatus;
export const errorCodes = Object.keys(errorStatus) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(errorStatus, value);
}

/** The wire shape of every error: `{ error: { code, message, details? } }`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class QuickPayError extends Error {
  override readonly name = "QuickPayError";
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return errorStatus[this.code];
  }

  /** Survives JSON, postMessage and chrome.runtime message boundaries. */
  toJSON(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }

  /** Rebuilds an error from its wire shape; anything unrecognisable becomes `internal`. */
  static fromJSON(value: unknown, fallbackMessage = "unrecognised error"): QuickPayError {
    const e = (value as Partial<ErrorBody> | null)?.error;
    if (e && isErrorCode(e.code) && typeof e.message === "string") {
      return new QuickPayError(e.code, e.message, e.details);
    }
    return new QuickPayError("internal", fallbackMessage, value);
  }
}

export function isQuickPayError(value: unknown): value is QuickPayError {
  return value instanceof QuickPayError;
}

/**
 * What the handlers tell the vendor as Request Order Delivery moves through its states: for the
 * vendor's monitoring (a `deliver()` that fails), and as hook points a fault test may pause or kill
 * the process in. Each event is awaited before the step it follows goes on.
 */
import type { ErrorCode } from "@quickpay/protocol";
import type { VendorLogger } from "./config";
import type { DeliveryState } from "./store";

/** Which order an event is about; every event carries it. */
export interface VendorEventSubject {
  orderDigest: string;
  commitId: string;
  itemId: string;
  /** When it happened, on the handlers' clock. */
  at: string;
}

/** ACCEPTED is on disk; `deliver()` is next. */
export interface OrderAccepted extends VendorEventSubject {
  type: "order_accepted";
}

/** `deliver()` threw; the record stays ACCEPTED and the Wallet is answered `delivery_failed`. */
export interface DeliverFailed extends VendorEventSubject {
  type: "deliver_failed";
  /** What `deliver()` threw (or why its result was unusable). */
  error: unknown;
  /** Failed `deliver()` calls for this order so far. */
  attempts: number;
}

/** PREPARED (the content) is on disk; Check Commit is next. */
export interface OrderPrepared extends VendorEventSubject {
  type: "order_prepared";
}

/** The broker said the commitment is live; DELIVERED is written next. */
export interface CommitChecked extends VendorEventSubject {
  type: "commit_checked";
}

/** DELIVERED and its Register Delivery are on disk; the content goes to the Wallet next. */
export interface OrderDelivered extends VendorEventSubject {
  type: "order_delivered";
  deliveredAt: string;
}

/** REFUSED is on disk, definitively: every repeat gets this refusal again. */
export interface OrderRefused extends VendorEventSubject {
  type: "order_refused";
  code: ErrorCode;
  message: string;
}

/** The Wallet's request is about to be answered: with the content (200), or with an error `code`. */
export interface Answered extends VendorEventSubject {
  type: "answered";
  status: number;
  code?: ErrorCode;
  /** The order's state once answered; absent when it was never recorded (e.g. it came in expired). */
  state?: DeliveryState;
}

export type VendorEvent =
  | OrderAccepted
  | DeliverFailed
  | OrderPrepared
  | CommitChecked
  | OrderDelivered
  | OrderRefused
  | Answered;

export type VendorEventType = VendorEvent["type"];

/** Awaits the vendor's listener; a listener that throws is logged, never allowed to break delivery. */
export function eventEmitter(
  onEvent: ((event: VendorEvent) => void | Promise<void>) | undefined,
  logger: VendorLogger,
): (event: VendorEvent) => Promise<void> {
  return async (event) => {
    if (!onEvent) return;
    try {
      await onEvent(event);
    } catch (error) {
      logger.error(
        { err: error, event: event.type, commitId: event.commitId },
        "the vendor's onEvent listener threw; ignored",
      );
    }
  };
}

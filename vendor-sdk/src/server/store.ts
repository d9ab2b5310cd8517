/**
 * Where the vendor keeps what must survive: each Request Order Delivery as a durable state machine
 * (so a repeat continues from where the last one stopped, never calls `deliver()` twice after it
 * succeeded and never claims the commitment twice) and the Register Delivery outbox (so a delivery
 * always reaches the host, however long the host is away).
 */
import type {
  AttemptError,
  ErrorCode,
  GiveUpReason,
  RegistrationFacts,
  SignedEndorsement,
} from "@quickpay/protocol";
import type { DeliveredContent, DeliveryReply } from "./types";

/**
 * ACCEPTED (recorded before `deliver()` runs) → PREPARED (the content, kept; Check Commit may have
 * been sent from here on) → DELIVERED (the broker said live; the content is released), or REFUSED
 * (definitively, with the refusal every repeat gets again).
 */
export type DeliveryState = "accepted" | "prepared" | "delivered" | "refused";

interface DeliveryRecordBase {
  commitId: string;
  orderDigest: string;
  /** The catalogue item the order is for (from the vendor's own order id). */
  itemId: string;
  /** SHA-256 of the request's canonical JSON: a byte-identical repeat skips re-verification. */
  requestDigest: string;
  /** The broker's endorsement the Wallet presented: what Settle With Broker / Host claims payment with. */
  endorsement: SignedEndorsement;
  acceptedAt: string;
  /** Failed `deliver()` calls so far. */
  attempts: number;
  /** The last failure on the way (a `deliver()` that threw, a Check Commit that did not get through). */
  lastError?: AttemptError & { at: string };
}

export interface AcceptedDelivery extends DeliveryRecordBase {
  state: "accepted";
}

export interface PreparedDelivery extends DeliveryRecordBase {
  state: "prepared";
  /** What `deliver()` produced; released only once Check Commit says live. */
  content: DeliveredContent;
  preparedAt: string;
}

export interface DeliveredDelivery extends DeliveryRecordBase {
  state: "delivered";
  /** The answer every repeat gets while the receipt is good (same content, same `deliveredAt`). */
  reply: DeliveryReply;
  /** Set once the order is paid (or can never be): `settlePending` skips it from then on. */
  settlement?: DeliverySettlement;
}

export interface RefusedDelivery extends DeliveryRecordBase {
  state: "refused";
  refusal: { code: ErrorCode; message: string };
  refusedAt: string;
}

export type DeliveryRecord = AcceptedDelivery | PreparedDelivery | DeliveredDelivery | RefusedDelivery;

/**
 * How a delivered order was closed: paid under a broker statement (`broker`, ref = statement id),
 * approved by the host (`host`, ref = approval time), reported settled already by either side,
 * revoked (never paid), or `lapsed`: the broker released the shopper's hold because the order was not
 * settled within its settle-by window (`settleWithinMs`), so it is never paid.
 */
export interface DeliverySettlement {
  outcome: "broker" | "host" | "already_settled" | "revoked" | "lapsed";
  ref: string;
  at: string;
}

/** One Register Delivery waiting for the host's acknowledgement; its message id never changes. */
export interface PendingRegistration {
  messageId: string;
  facts: RegistrationFacts;
  queuedAt: string;
  /** Failed attempts so far. */
  attempts: number;
  /** Not retried before this time (backoff after failures). */
  nextAttemptAt: string;
  lastError?: string;
  /**
   * The host refused it (it will not succeed as sent): the timer leaves it alone, `flushOutbox()`
   * still tries it (an operator's retry once the cause is fixed).
   */
  gaveUp?: { at: string; reason: GiveUpReason; code: string };
}

export interface VendorStore {
  findDelivery(commitId: string): Promise<DeliveryRecord | undefined>;
  /**
   * Writes a delivery's new state — accepted, a failed attempt, prepared, refused — durably before
   * it resolves: the handlers act on a state only once it is stored.
   */
  saveDelivery(record: DeliveryRecord): Promise<void>;
  /** The move to DELIVERED and its queued registration: both or neither, durably, before the reply. */
  recordDelivery(record: DeliveredDelivery, registration: PendingRegistration): Promise<void>;
  /** Every registration the host has not acknowledged (given up ones included). */
  pendingRegistrations(): Promise<PendingRegistration[]>;
  /** After a failed attempt: the new attempt count, backoff, error (or that it was given up). */
  updateRegistration(registration: PendingRegistration): Promise<void>;
  /** Called when the host acknowledged the registration. */
  completeRegistration(messageId: string): Promise<void>;
  /** DELIVERED records with no settlement yet, oldest first: nothing else is ever settled. */
  unsettledDeliveries(): Promise<DeliveredDelivery[]>;
  /** Closes these deliveries (by commit id) for settlement, durably; records not DELIVERED are left alone. */
  markSettled(commitIds: string[], settlement: DeliverySettlement): Promise<void>;
  close?(): Promise<void>;
}

/** The default: fine for tests and for shops that accept losing every record on a restart. */
export class MemoryVendorStore implements VendorStore {
  protected readonly deliveries = new Map<string, DeliveryRecord>();
  protected readonly pending = new Map<string, PendingRegistration>();

  async findDelivery(commitId: string) {
    return this.deliveries.get(commitId);
  }

  async saveDelivery(record: DeliveryRecord) {
    this.deliveries.set(record.commitId, record);
  }

  async recordDelivery(record: DeliveredDelivery, registration: PendingRegistration) {
    this.deliveries.set(record.commitId, record);
    this.pending.set(registration.messageId, registration);
  }

  async pendingRegistrations() {
    return [...this.pending.values()];
  }

  async updateRegistration(registration: PendingRegistration) {
    if (this.pending.has(registration.messageId)) this.pending.set(registration.messageId, registration);
  }

  async completeRegistration(messageId: string) {
    this.pending.delete(messageId);
  }

  async unsettledDeliveries() {
    return [...this.deliveries.values()].filter(
      (d): d is DeliveredDelivery => d.state === "delivered" && !d.settlement,
    );
  }

  async markSettled(commitIds: string[], settlement: DeliverySettlement) {
    for (const id of commitIds) {
      const record = this.deliveries.get(id);
      if (record?.state === "delivered") this.deliveries.set(id, { ...record, settlement });
    }
  }
}

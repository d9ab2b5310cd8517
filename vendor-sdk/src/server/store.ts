/**
 * Where the vendor keeps what must survive: each delivery (so a repeated Request Order Delivery gets
 * the same answer without claiming the commitment twice) and the Register Delivery outbox (so an
 * acknowledged delivery always reaches the host, however long the host is away).
 */
import type { RegistrationFacts } from "@quickpay/protocol";
import type { DeliveryReply } from "./types";

export interface DeliveryRecord {
  commitId: string;
  orderDigest: string;
  /** SHA-256 of the request's canonical JSON: a byte-identical repeat is answered without re-checking. */
  requestDigest: string;
  reply: DeliveryReply;
}

/** One Register Delivery waiting for the host's acknowledgement; its message id never changes. */
export interface PendingRegistration {
  messageId: string;
  facts: RegistrationFacts;
  queuedAt: string;
  attempts: number;
  /** Not retried before this time (backoff after failures). */
  nextAttemptAt: string;
  lastError?: string;
}

export interface VendorStore {
  findDelivery(commitId: string): Promise<DeliveryRecord | undefined>;
  /** Records a delivery and queues its registration: both or neither, durably, before the reply. */
  recordDelivery(record: DeliveryRecord, registration: PendingRegistration): Promise<void>;
  pendingRegistrations(): Promise<PendingRegistration[]>;
  /** After a failed attempt: the new attempt count, backoff and error. */
  updateRegistration(registration: PendingRegistration): Promise<void>;
  /** Called when the host acknowledged the registration. */
  completeRegistration(messageId: string): Promise<void>;
  close?(): Promise<void>;
}

/** The default: fine for tests and for shops that accept losing the outbox on a restart. */
export class MemoryVendorStore implements VendorStore {
  protected readonly deliveries = new Map<string, DeliveryRecord>();
  protected readonly pending = new Map<string, PendingRegistration>();

  async findDelivery(commitId: string) {
    return this.deliveries.get(commitId);
  }

  async recordDelivery(record: DeliveryRecord, registration: PendingRegistration) {
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
}

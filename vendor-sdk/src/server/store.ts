/**
 * Where the vendor keeps what must survive: each delivery (so a repeated Request Order Delivery gets
 * the same answer without claiming the commitment twice) and the Register Delivery outbox (so an
 * acknowledged delivery always reaches the host, however long the host is away).
 */
import type { RegistrationFacts, SignedEndorsement } from "@quickpay/protocol";
import type { DeliveryReply } from "./types";

export interface DeliveryRecord {
  commitId: string;
  orderDigest: string;
  /** SHA-256 of the request's canonical JSON: a byte-identical repeat is answered without re-checking. */
  requestDigest: string;
  reply: DeliveryReply;
  /** The broker's endorsement the Wallet presented: what Settle With Broker / Host claims payment with. */
  endorsement?: SignedEndorsement;
  /** Set once the order is paid (or can never be): `settlePending` skips it from then on. */
  settlement?: DeliverySettlement;
}

/**
 * How a delivered order was closed: paid under a broker statement (`broker`, ref = statement id),
 * approved by the host (`host`, ref = approval time), reported settled already by either side, or
 * revoked (never paid).
 */
export interface DeliverySettlement {
  outcome: "broker" | "host" | "already_settled" | "revoked";
  ref: string;
  at: string;
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
  /** Deliveries with an endorsement and no settlement yet, oldest first. */
  unsettledDeliveries(): Promise<DeliveryRecord[]>;
  /** Closes these deliveries (by commit id) for settlement, durably. */
  markSettled(commitIds: string[], settlement: DeliverySettlement): Promise<void>;
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

  async unsettledDeliveries() {
    return [...this.deliveries.values()].filter((d) => d.endorsement && !d.settlement);
  }

  async markSettled(commitIds: string[], settlement: DeliverySettlement) {
    for (const id of commitIds) {
      const record = this.deliveries.get(id);
      if (record) this.deliveries.set(id, { ...record, settlement });
    }
  }
}

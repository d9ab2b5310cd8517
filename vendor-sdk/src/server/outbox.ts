/**
 * Register Delivery (Vendor → Host) through a durable outbox, run by the protocol's one resend loop
 * (`Resender`) over the VendorStore. The host is a passive watcher and never blocks a purchase: a
 * delivery is queued in the same write that records it, sent right after (not awaited by the
 * Wallet's reply), and resent with backoff until the host acknowledges it.
 */
import {
  type AttemptError,
  type FetchLike,
  type GiveUpReason,
  type Outgoing,
  Resender,
  type ResendStore,
  type RetryPolicy,
  type Signer,
  sendMessage,
  signEnvelope,
} from "@quickpay/protocol";
import type { VendorLogger } from "./config";
import type { PendingRegistration, VendorStore } from "./store";

export const DEFAULT_REGISTER_TIMEOUT_MS = 3_000;

/**
 * Full-jitter backoff from 2 s up to 10 min, never given up by count or age: the host only watches,
 * so a late registration is still worth sending, and one every 10 minutes costs nothing. A refusal
 * (the host will never take it as sent) is given up at once and logged as an error.
 */
export const REGISTER_DELIVERY_POLICY: RetryPolicy = { baseMs: 2_000, capMs: 10 * 60_000 };

export interface RegistrarOptions {
  store: VendorStore;
  signer: Signer;
  hostUrl: string;
  now: () => Date;
  fetch?: FetchLike;
  logger: VendorLogger;
  /** How long one attempt may take; default 3 s. */
  timeoutMs?: number;
  /** Run a timer for the next due registration (default true); false leaves it to `flush()`/`kick()`. */
  timer?: boolean;
  /** The jitter's random source (tests pin it). */
  random?: () => number;
}

export interface FlushResult {
  /** Acknowledged by the host in this flush. */
  sent: number;
  /** Still unacknowledged afterwards (given up ones included). */
  pending: number;
}

/** A stored registration as the resend loop sees it. */
interface QueuedRegistration extends Outgoing {
  registration: PendingRegistration;
}

export class DeliveryRegistrar {
  private readonly resender: Resender<QueuedRegistration>;

  constructor(private readonly options: RegistrarOptions) {
    const { logger } = options;
    this.resender = new Resender<QueuedRegistration>({
      name: "register-delivery",
      store: outboxOver(options.store, options.now),
      policy: REGISTER_DELIVERY_POLICY,
      send: (message) => this.send(message.registration),
      onGiveUp: (message, error, reason) => this.gaveUp(message.registration, error, reason),
      now: () => options.now().getTime(),
      timer: options.timer ?? true,
      logger,
      ...(options.random ? { random: options.random } : {}),
    });
  }

  /** Starts the timer and sends whatever is due (e.g. what was left before a restart). */
  start(): void {
    this.resender.start();
  }

  /** Stops the timer and waits for a send under way; registrations stay stored for the next start. */
  stop(): Promise<void> {
    return this.resender.stop();
  }

  /** A registration was queued: send it now, in the background (failures are logged, not thrown). */
  kick(): void {
    this.resender.kick();
  }

  /** Sends the registrations that are due (what the timer does); resolves like `flush()`. */
  async sendDue(): Promise<FlushResult> {
    const report = await this.resender.drain();
    return { sent: report.sent.length, pending: (await this.options.store.pendingRegistrations()).length };
  }

  /**
   * Sends every unacknowledged registration now, whatever its backoff (given up ones too); resolves
   * with how many the host acknowledged and how many still wait. Never throws for a host failure.
   */
  async flush(): Promise<FlushResult> {
    const report = await this.resender.drain({ all: true });
    return { sent: report.sent.length, pending: (await this.options.store.pendingRegistrations()).length };
  }

  private async send(registration: PendingRegistration) {
    const { signer, hostUrl, logger } = this.options;
    // Re-signed on every attempt (fresh `at`), always under the same message id.
    const envelope = await signEnvelope(signer, "RegisterDelivery", registration.facts, {
      id: registration.messageId,
      at: this.options.now(),
    });
    const registered = await sendMessage(hostUrl, "RegisterDelivery", envelope, {
      timeoutMs: this.options.timeoutMs ?? DEFAULT_REGISTER_TIMEOUT_MS,
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    });
    if (registered.flagged) {
      logger.warn(
        { orderDigest: registered.orderDigest },
        "the host flagged this order: registrations disagree",
      );
    }
    return registered;
  }

  private gaveUp(registration: PendingRegistration, error: AttemptError, reason: GiveUpReason) {
    this.options.logger.error(
      {
        code: error.code,
        reason,
        commitId: registration.facts.commitId,
        orderDigest: registration.facts.orderDigest,
        messageId: registration.messageId,
      },
      `the host refused Register Delivery (${error.code}): it stays in the outbox for flushOutbox() once the cause is fixed`,
    );
  }
}

/** The VendorStore's outbox, in the resend loop's terms (epoch ms; attempts = failures). */
function outboxOver(store: VendorStore, now: () => Date): ResendStore<QueuedRegistration> {
  const queued = (r: PendingRegistration): QueuedRegistration => ({
    id: r.messageId,
    failures: r.attempts,
    queuedAt: Date.parse(r.queuedAt),
    nextAttemptAt: Date.parse(r.nextAttemptAt),
    registration: r,
  });
  // A given-up registration waits for an explicit flush (due(Infinity)), never for the timer.
  const waiting = async () => (await store.pendingRegistrations()).filter((r) => !r.gaveUp).map(queued);
  return {
    async due(at) {
      const due =
        at === Number.POSITIVE_INFINITY
          ? (await store.pendingRegistrations()).map(queued)
          : (await waiting()).filter((m) => m.nextAttemptAt <= at);
      return due.sort((a, b) => a.queuedAt - b.queuedAt);
    },
    async nextDueAt() {
      const times = (await waiting()).map((m) => m.nextAttemptAt);
      return times.length === 0 ? undefined : Math.min(...times);
    },
    acknowledged(message) {
      return store.completeRegistration(message.id);
    },
    failed(message, { failures, error, verdict }) {
      const { gaveUp: _previous, ...registration } = message.registration;
      const at = verdict.retry ? new Date(verdict.at).toISOString() : now().toISOString();
      return store.updateRegistration({
        ...registration,
        attempts: failures,
        lastError: `${error.code}: ${error.message}`,
        ...(verdict.retry
          ? { nextAttemptAt: at }
          : { gaveUp: { at, reason: verdict.reason, code: error.code } }),
      });
    },
  };
}

/**
 * Register Delivery (Vendor → Host) through a durable outbox. The host is a passive watcher and never
 * blocks a purchase, so a delivery is queued before the Wallet gets its content, sent once right away
 * with a short timeout, and retried with backoff until the host acknowledges it.
 */
import { type FetchLike, QuickPayError, type Signer, sendMessage, signEnvelope } from "@quickpay/protocol";
import type { VendorLogger } from "./config";
import type { PendingRegistration, VendorStore } from "./store";

export const DEFAULT_REGISTER_TIMEOUT_MS = 3_000;
export const DEFAULT_OUTBOX_RETRY_MS = 30_000;
const FIRST_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 60 * 60_000;

export interface RegistrarOptions {
  store: VendorStore;
  signer: Signer;
  hostUrl: string;
  now: () => Date;
  fetch?: FetchLike;
  logger: VendorLogger;
  timeoutMs?: number;
  retryMs?: number;
}

export interface FlushResult {
  sent: number;
  pending: number;
}

export class DeliveryRegistrar {
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(private readonly options: RegistrarOptions) {}

  /** Starts the background retry timer (unref'd: it never keeps a process alive). */
  start(): void {
    const every = this.options.retryMs ?? DEFAULT_OUTBOX_RETRY_MS;
    if (every <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.flush({ dueOnly: true }).catch((error) =>
        this.options.logger.error({ err: error }, "register-delivery outbox flush failed"),
      );
    }, every);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Sends every pending registration (only those past their backoff when `dueOnly`); resolves with
   * how many the host acknowledged and how many are still waiting. Never throws for a host failure.
   */
  async flush({ dueOnly = false }: { dueOnly?: boolean } = {}): Promise<FlushResult> {
    const now = this.options.now().getTime();
    let sent = 0;
    for (const registration of await this.options.store.pendingRegistrations()) {
      if (dueOnly && Date.parse(registration.nextAttemptAt) > now) continue;
      if (await this.attempt(registration)) sent++;
    }
    return { sent, pending: (await this.options.store.pendingRegistrations()).length };
  }

  /** One attempt; true when the host acknowledged it (and it left the outbox). */
  attempt(registration: PendingRegistration): Promise<boolean> {
    const running = this.inFlight.get(registration.messageId);
    if (running) return running;
    const next = this.send(registration).finally(() => this.inFlight.delete(registration.messageId));
    this.inFlight.set(registration.messageId, next);
    return next;
  }

  private async send(registration: PendingRegistration): Promise<boolean> {
    const { store, signer, hostUrl, logger } = this.options;
    try {
      // Re-signed on every attempt (fresh `at`), always under the same message id.
      const envelope = await signEnvelope(signer, "RegisterDelivery", registration.facts, {
        id: registration.messageId,
        at: this.options.now(),
      });
      const registered = await sendMessage(hostUrl, "RegisterDelivery", envelope, {
        timeoutMs: this.options.timeoutMs ?? DEFAULT_REGISTER_TIMEOUT_MS,
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      });
      await store.completeRegistration(registration.messageId);
      if (registered.flagged) {
        logger.warn(
          { orderDigest: registered.orderDigest },
          "the host flagged this order: registrations disagree",
        );
      }
      return true;
    } catch (error) {
      const code = error instanceof QuickPayError ? error.code : "internal";
      const attempts = registration.attempts + 1;
      const backoff = Math.min(FIRST_BACKOFF_MS * 2 ** (attempts - 1), MAX_BACKOFF_MS);
      await store.updateRegistration({
        ...registration,
        attempts,
        nextAttemptAt: new Date(this.options.now().getTime() + backoff).toISOString(),
        lastError: `${code}: ${(error as Error).message}`,
      });
      // A host that is away is expected; a host that refuses (4xx) needs the operator's eyes.
      const log = code === "host_unreachable" || code === "internal" ? logger.warn : logger.error;
      log.call(
        logger,
        { code, commitId: registration.facts.commitId, attempts },
        "register-delivery not acknowledged yet",
      );
      return false;
    }
  }
}

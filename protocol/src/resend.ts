/**
 * Resend until acknowledged (DESIGN §2): the one retry policy and the one resend loop that every
 * sender — the Wallet, the broker kit, the vendor SDK — runs over its own storage.
 *
 * A sender keeps each outgoing message in durable storage under a stable id (the message id every
 * resend reuses, so the receiver applies it once). The `Resender` asks the sender's `ResendStore` for
 * what is due, sends it, and records the outcome there: acknowledged, retry at a later time, or given
 * up. Retry times follow one policy — exponential backoff with full jitter and a cap — and one
 * give-up rule (refused, too many attempts, or past a deadline), which is reported through
 * `onGiveUp` so a person or an operator hears of it. The attempt count lives in the store, not in
 * memory, so a restarted process (or a service worker woken by an alarm) continues the same schedule.
 *
 * No I/O of its own: the store, the transport and the clock are the caller's.
 */
import { isErrorCode, QuickPayError } from "./errors";

export interface RetryPolicy {
  /** The first retry waits up to this long (ms). */
  baseMs: number;
  /** No retry waits longer than this (ms). */
  capMs: number;
  /** Give up after this many failed attempts; never by count when omitted. */
  maxAttempts?: number;
  /** Give up once the message has waited this long since it was queued (ms); never by age when omitted. */
  maxAgeMs?: number;
}

/**
 * The delay before the next attempt after `failures` failed ones (≥ 1): "full jitter", a uniform draw
 * from [0, min(cap, base·2^(failures−1))] (AWS Architecture Blog, "Exponential Backoff And Jitter",
 * 2015). Full jitter spreads the retries of many senders that failed together (a host that was down)
 * instead of bringing them back in step, at the price of an occasional quick retry.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  failures: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 52);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.floor(clamp01(random()) * ceiling);
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(Math.max(x, 0), 1) : 0;
}

/** Why a sender stopped trying a message. */
export type GiveUpReason = "refused" | "attempts" | "expired";

export type RetryVerdict = { retry: true; at: number } | { retry: false; reason: GiveUpReason };

/**
 * The give-up rule, after a failed attempt: a refusal that can never succeed as sent stops at once;
 * otherwise the next attempt is scheduled unless the attempts are used up or it would fall after the
 * message's deadline (its own `deadline`, or `queuedAt + maxAgeMs`, whichever is sooner).
 */
export function afterFailure(
  policy: RetryPolicy,
  message: { failures: number; queuedAt: number; deadline?: number | undefined },
  retryable: boolean,
  now: number,
  random: () => number = Math.random,
): RetryVerdict {
  if (!retryable) return { retry: false, reason: "refused" };
  if (policy.maxAttempts !== undefined && message.failures >= policy.maxAttempts) {
    return { retry: false, reason: "attempts" };
  }
  const at = now + retryDelayMs(policy, message.failures, random);
  const deadline = Math.min(
    message.deadline ?? Number.POSITIVE_INFINITY,
    policy.maxAgeMs === undefined ? Number.POSITIVE_INFINITY : message.queuedAt + policy.maxAgeMs,
  );
  if (at > deadline) {
    // One last attempt exactly at the deadline, unless it has passed already.
    return deadline > now ? { retry: true, at: deadline } : { retry: false, reason: "expired" };
  }
  return { retry: true, at };
}

/**
 * Codes that say "not now" rather than "never": the receiver or something it needs was away, broke,
 * throttled us, or (`delivery_failed`) could not produce the goods this time. A failure that is not a
 * QuickPayError at all (a dropped connection, a timeout) is retried too.
 */
export const retryableCodes: ReadonlySet<string> = new Set([
  "host_unreachable",
  "broker_unreachable",
  "vendor_unreachable",
  "internal",
  "rate_limited",
  "delivery_failed",
  "stale_message",
]);

export function isRetryable(error: unknown): boolean {
  if (!(error instanceof QuickPayError)) return true;
  return retryableCodes.has(error.code);
}

/** The error of a failed attempt, in the shape stores keep. */
export interface AttemptError {
  code: string;
  message: string;
}

export function attemptError(error: unknown): AttemptError {
  if (error instanceof QuickPayError) return { code: error.code, message: error.message };
  const code = (error as { code?: unknown } | null)?.code;
  return {
    code: isErrorCode(code) ? code : "internal",
    message: error instanceof Error ? error.message : String(error),
  };
}

/** What the resend loop needs to know of a stored message. */
export interface Outgoing {
  /** The stable id every resend reuses (a message id, or a batch id). */
  id: string;
  /** Failed attempts so far. */
  failures: number;
  /** Epoch ms when it was queued. */
  queuedAt: number;
  /** Epoch ms before which it is not sent again. */
  nextAttemptAt: number;
  /** Epoch ms after which it is not sent at all (e.g. an endorsement's expiry). */
  deadline?: number | undefined;
}

/** A failed attempt, as the store records it. */
export interface FailedAttempt {
  failures: number;
  error: AttemptError;
  verdict: RetryVerdict;
}

type Maybe<T> = T | Promise<T>;

/** The sender's own storage, seen by the resend loop. */
export interface ResendStore<M extends Outgoing> {
  /**
   * Messages to send now, in the order to send them: those due at `now`, or every unacknowledged
   * one when `now` is Infinity. A message that must wait for another (e.g. nothing before Register
   * Wallet) is simply not returned yet.
   */
  due(now: number): Maybe<M[]>;
  /** When the next message falls due; undefined when nothing waits. */
  nextDueAt(): Maybe<number | undefined>;
  /** The receiver acknowledged it: it leaves the queue (in the same write as any effect of the reply). */
  acknowledged(message: M, reply: unknown): Maybe<void>;
  /** An attempt failed: store the new count and, per the verdict, the next time or that it was given up. */
  failed(message: M, attempt: FailedAttempt): Maybe<void>;
}

export interface ResenderLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ResenderOptions<M extends Outgoing> {
  store: ResendStore<M>;
  /** One attempt; resolves with the receiver's acknowledgement, throws on any failure. */
  send(message: M): Promise<unknown>;
  policy: RetryPolicy | ((message: M) => RetryPolicy);
  /** Which failures to retry; `isRetryable` when omitted. */
  retryable?(error: unknown, message: M): boolean;
  /** Called once when a message is given up: where a person or an operator hears of it. */
  onGiveUp?(message: M, error: AttemptError, reason: GiveUpReason): Maybe<void>;
  now?: () => number;
  random?: () => number;
  /** Run a timer for the next due message while started (default true; the Wallet also arms alarms). */
  timer?: boolean;
  logger?: ResenderLogger;
  /** Names the sender in logs, e.g. "register-delivery". */
  name?: string;
}

export interface DrainReport {
  sent: string[];
  retrying: string[];
  gaveUp: string[];
}

/**
 * The resend loop. Drains never overlap: a drain asked for while one runs starts right after it (and
 * is shared with any other asked for meanwhile), so one message is never sent twice at once.
 */
export class Resender<M extends Outgoing> {
  private current: Promise<DrainReport> | undefined;
  private next: { promise: Promise<DrainReport>; all: boolean } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private started = false;
  private readonly now: () => number;

  constructor(private readonly options: ResenderOptions<M>) {
    this.now = options.now ?? Date.now;
  }

  /** Starts the timer and sends whatever is due (e.g. what was left before a restart). */
  start(): void {
    this.started = true;
    this.kick();
  }

  /** Stops the timer and waits for drains under way. Messages stay stored for the next start. */
  async stop(): Promise<void> {
    this.started = false;
    this.clearTimer();
    await this.next?.promise.catch(() => undefined);
    await this.current?.catch(() => undefined);
    this.clearTimer();
  }

  /**
   * Something was queued or became due: drain soon, while started (a stopped sender sends only when
   * asked with `drain`). Failures are logged, never thrown.
   */
  kick(): void {
    if (!this.started) return;
    this.drain().catch((error) =>
      this.options.logger?.error({ err: error, sender: this.options.name }, "resend drain failed"),
    );
  }

  /** Sends what is due once (every unacknowledged message with `all`), then re-arms the timer. */
  drain(options: { all?: boolean } = {}): Promise<DrainReport> {
    const all = options.all === true;
    if (this.next) {
      this.next.all ||= all;
      return this.next.promise;
    }
    if (!this.current) return this.run(all);
    const after = this.current.catch(() => undefined);
    const next = { all, promise: Promise.resolve() as unknown as Promise<DrainReport> };
    next.promise = after.then(() => {
      this.next = undefined;
      return this.run(next.all);
    });
    this.next = next;
    return next.promise;
  }

  private run(all: boolean): Promise<DrainReport> {
    const running: Promise<DrainReport> = this.drainOnce(all).finally(() => {
      if (this.current === running) this.current = undefined;
    });
    this.current = running;
    return running;
  }

  private async drainOnce(all: boolean): Promise<DrainReport> {
    const report: DrainReport = { sent: [], retrying: [], gaveUp: [] };
    try {
      const due = await this.options.store.due(all ? Number.POSITIVE_INFINITY : this.now());
      for (const message of due) await this.attempt(message, report);
    } finally {
      await this.arm();
    }
    return report;
  }

  private async attempt(message: M, report: DrainReport): Promise<void> {
    const { store, logger, name } = this.options;
    let reply: unknown;
    try {
      reply = await this.options.send(message);
    } catch (error) {
      const failures = message.failures + 1;
      const e = attemptError(error);
      const retryable = (this.options.retryable ?? isRetryable)(error, message);
      const policy =
        typeof this.options.policy === "function" ? this.options.policy(message) : this.options.policy;
      const verdict = afterFailure(
        policy,
        { ...message, failures },
        retryable,
        this.now(),
        this.options.random,
      );
      await store.failed(message, { failures, error: e, verdict });
      if (verdict.retry) {
        report.retrying.push(message.id);
        logger?.warn(
          {
            sender: name,
            id: message.id,
            failures,
            code: e.code,
            retryAt: new Date(verdict.at).toISOString(),
          },
          "not acknowledged yet; will retry",
        );
      } else {
        report.gaveUp.push(message.id);
        logger?.error(
          { sender: name, id: message.id, failures, code: e.code, reason: verdict.reason },
          "given up",
        );
        await this.options.onGiveUp?.(message, e, verdict.reason);
      }
      return;
    }
    await store.acknowledged(message, reply);
    report.sent.push(message.id);
  }

  private async arm(): Promise<void> {
    this.clearTimer();
    if (!this.started || this.options.timer === false) return;
    const next = await this.options.store.nextDueAt();
    if (next === undefined || !this.started) return;
    // setTimeout holds at most 2^31-1 ms; a later message is re-armed by the drain that timer starts.
    const wait = Math.min(Math.max(0, next - this.now()), 2 ** 31 - 1);
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, wait);
    (this.timer as { unref?: () => void }).unref?.();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

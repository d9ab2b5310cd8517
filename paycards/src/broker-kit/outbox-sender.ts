/**
 * Sends what the broker owes the host (Register Commit) from the durable outbox: right after an
 * endorsement, then with exponential backoff until the host acknowledges. Every resend is re-signed
 * (fresh `at`) under the same message id, so the host records it exactly once.
 */
import { type FetchLike, type Signer, sendMessage, signEnvelope } from "@quickpay/protocol";
import type { Logger } from "pino";
import type { Ledger, OutboxRow } from "./ledger";

export interface CommitOutboxOptions {
  ledger: Ledger;
  hostUrl: string;
  signer: Signer;
  fetch?: FetchLike;
  now?: () => number;
  /** First retry delay; doubles per attempt up to `maxDelayMs`. Defaults 1 s and 60 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  logger?: Pick<Logger, "warn" | "info" | "debug">;
}

export interface DrainResult {
  sent: number;
  failed: number;
  pending: number;
}

export class CommitOutbox {
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private readonly now: () => number;

  constructor(private readonly options: CommitOutboxOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Starts the background sender (sends anything left from before a restart). */
  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Stops scheduling; waits for a send in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain.catch(() => undefined);
  }

  /** Something new is due: send it now rather than at the next scheduled time. */
  kick(): void {
    if (this.stopped) return;
    void this.drain().catch((error) => this.options.logger?.warn({ err: error }, "outbox drain failed"));
  }

  /**
   * Sends due messages one at a time (drains never overlap). `all: true` also sends those whose
   * backoff has not elapsed — what tests and an operator's "retry now" use.
   */
  drain(options: { all?: boolean } = {}): Promise<DrainResult> {
    const run = this.chain.then(() => this.drainNow(options.all === true));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async drainNow(all: boolean): Promise<DrainResult> {
    const { ledger } = this.options;
    let sent = 0;
    let failed = 0;
    const rows = ledger.outbox.due(all ? Number.POSITIVE_INFINITY : this.now());
    for (const row of rows) {
      if (await this.send(row)) sent++;
      else failed++;
    }
    this.schedule();
    return { sent, failed, pending: ledger.outbox.pendingCount() };
  }

  private async send(row: OutboxRow): Promise<boolean> {
    const { ledger, hostUrl, signer, fetch } = this.options;
    try {
      const body = JSON.parse(row.body_json);
      const envelope = await signEnvelope(signer, "RegisterCommit" as const, body, { id: row.message_id });
      const reply = await sendMessage(hostUrl, "RegisterCommit", envelope, fetch ? { fetch } : {});
      ledger.outbox.markAcked(row.outbox_id, this.now());
      if (reply.flagged) {
        this.options.logger?.warn(
          { orderDigest: reply.orderDigest },
          "host flagged a disagreeing registration",
        );
      }
      return true;
    } catch (error) {
      const base = this.options.baseDelayMs ?? 1_000;
      const max = this.options.maxDelayMs ?? 60_000;
      const delay = Math.min(max, base * 2 ** Math.min(row.attempts, 20));
      const message = error instanceof Error ? error.message : String(error);
      const code = (error as { code?: string }).code ?? "error";
      ledger.outbox.markFailed(row.outbox_id, `${code}: ${message}`, this.now() + delay);
      this.options.logger?.warn(
        { messageId: row.message_id, code, delay },
        "Register Commit not acknowledged",
      );
      return false;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.options.ledger.outbox.nextDueAt();
    if (next === undefined) return;
    this.timer = setTimeout(() => this.kick(), Math.max(0, next - this.now()));
    this.timer.unref();
  }
}

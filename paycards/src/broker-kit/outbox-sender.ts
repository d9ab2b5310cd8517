/**
 * Sends what the broker owes the host (Register Commit, Register Settlement) from the durable outbox:
 * right after the fact, then with exponential backoff until the host acknowledges. Every resend is
 * re-signed (fresh `at`) under the same message id, so the host records it exactly once.
 * Endorsements that pile up while a send is in flight go together as one RegisterCommitBatch (one
 * signature). A Register Settlement waits until every Register Commit queued before it is
 * acknowledged: the host records only settlements of commitments it knows this broker made.
 */
import {
  type FetchLike,
  MAX_BATCH,
  newMessageId,
  type SignedEndorsement,
  type SignedSettlementStatement,
  type Signer,
  sendMessage,
  signEnvelope,
} from "@quickpay/protocol";
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
    const rows = ledger.outbox.due(all ? Number.POSITIVE_INFINITY : this.now(), MAX_BATCH);
    // A message already tried alone keeps its own id (the host may have recorded it under that id);
    // only never-tried messages are batched, and a batch, once formed, is always resent whole.
    const fresh = rows.filter((r) => r.type === "RegisterCommit" && r.attempts === 0 && r.batch_id === null);
    if (fresh.length >= 2) {
      ledger.outbox.assignBatch(
        fresh.map((r) => r.outbox_id),
        newMessageId(),
      );
    }
    const units = new Map<string, OutboxRow[]>();
    for (const row of ledger.outbox.due(all ? Number.POSITIVE_INFINITY : this.now(), MAX_BATCH)) {
      const key = row.batch_id ?? `single:${row.outbox_id}`;
      units.set(key, [...(units.get(key) ?? []), row]);
    }
    for (const [key, unit] of units) {
      const members = key.startsWith("single:") ? unit : ledger.outbox.batch(key);
      if (
        members[0]!.type === "RegisterSettlement" &&
        ledger.outbox.commitsPendingBefore(members[0]!.outbox_id)
      ) {
        this.backOff(members, new Error("waiting for an earlier Register Commit"));
        failed += members.length;
        continue;
      }
      if (await this.send(members)) sent += members.length;
      else failed += members.length;
    }
    this.schedule();
    return { sent, failed, pending: ledger.outbox.pendingCount() };
  }

  /** Sends one message alone, or one batch under its batch id; records the outcome on every row. */
  private async send(rows: OutboxRow[]): Promise<boolean> {
    const { ledger, hostUrl, signer, fetch } = this.options;
    const first = rows[0]!;
    const options = fetch ? { fetch } : {};
    try {
      let flagged: string[];
      if (first.type === "RegisterSettlement") {
        const body = JSON.parse(first.body_json) as { statement: SignedSettlementStatement };
        const envelope = await signEnvelope(signer, "RegisterSettlement" as const, body, {
          id: first.message_id,
        });
        const reply = await sendMessage(hostUrl, "RegisterSettlement", envelope, options);
        flagged = [];
        if (reply.alreadySettled.length > 0 || reply.rejected.length > 0) {
          // The broker has paid these already; the host's own approvals for them will be skipped.
          this.options.logger?.warn(
            {
              statementId: reply.statementId,
              alreadySettled: reply.alreadySettled,
              rejected: reply.rejected,
            },
            "host did not record every settlement of a statement",
          );
        }
      } else if (first.batch_id === null) {
        const body = JSON.parse(first.body_json) as { endorsement: SignedEndorsement };
        const envelope = await signEnvelope(signer, "RegisterCommit" as const, body, {
          id: first.message_id,
        });
        const reply = await sendMessage(hostUrl, "RegisterCommit", envelope, options);
        flagged = reply.flagged ? [reply.orderDigest] : [];
      } else {
        const endorsements = rows.map(
          (r) => (JSON.parse(r.body_json) as { endorsement: SignedEndorsement }).endorsement,
        );
        const envelope = await signEnvelope(
          signer,
          "RegisterCommitBatch" as const,
          { endorsements },
          {
            id: first.batch_id,
          },
        );
        const reply = await sendMessage(hostUrl, "RegisterCommitBatch", envelope, options);
        flagged = reply.registered.filter((r) => r.flagged).map((r) => r.orderDigest);
      }
      for (const row of rows) ledger.outbox.markAcked(row.outbox_id, this.now());
      if (flagged.length > 0) {
        this.options.logger?.warn({ orderDigests: flagged }, "host flagged a disagreeing registration");
      }
      return true;
    } catch (error) {
      this.backOff(rows, error);
      return false;
    }
  }

  /** Records a failed (or deferred) attempt on every row and when to try again. */
  private backOff(rows: OutboxRow[], error: unknown): void {
    const first = rows[0]!;
    const base = this.options.baseDelayMs ?? 1_000;
    const max = this.options.maxDelayMs ?? 60_000;
    const delay = Math.min(max, base * 2 ** Math.min(first.attempts, 20));
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: string }).code ?? "error";
    for (const row of rows)
      this.options.ledger.outbox.markFailed(row.outbox_id, `${code}: ${message}`, this.now() + delay);
    this.options.logger?.warn(
      { messageId: first.batch_id ?? first.message_id, type: first.type, count: rows.length, code, delay },
      `${first.type} not acknowledged`,
    );
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

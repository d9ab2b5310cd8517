/** The durable outbox of messages the broker owes the host (Register Commit, Register Settlement). */
import type { LedgerDatabase } from "./database";

export interface OutboxRow {
  outbox_id: number;
  message_id: string;
  type: string;
  body_json: string;
  attempts: number;
  next_attempt_at: number;
  acked_at: number | null;
  last_error: string | null;
  batch_id: string | null;
  created_at: number;
}

export class OutboxStore {
  constructor(private readonly db: LedgerDatabase) {}

  /** Called inside the transaction that creates the fact being reported, so neither exists alone. */
  enqueue(messageId: string, type: string, body: unknown, now: number): void {
    this.db
      .prepare(
        `INSERT INTO outbox (message_id, type, body_json, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)`,
      )
      .run(messageId, type, JSON.stringify(body), now, now);
  }

  /** Unacknowledged messages due by `now` (all of them when `now` is Infinity), oldest first. */
  due(now: number, limit = 100): OutboxRow[] {
    const sql =
      now === Number.POSITIVE_INFINITY
        ? "SELECT * FROM outbox WHERE acked_at IS NULL ORDER BY outbox_id LIMIT ?"
        : "SELECT * FROM outbox WHERE acked_at IS NULL AND next_attempt_at <= ? ORDER BY outbox_id LIMIT ?";
    const args = now === Number.POSITIVE_INFINITY ? [limit] : [now, limit];
    return this.db.prepare(sql).all(...args) as OutboxRow[];
  }

  /** Puts never-attempted messages into one batch, for good: the batch is always resent whole. */
  assignBatch(outboxIds: number[], batchId: string): void {
    const set = this.db.prepare("UPDATE outbox SET batch_id = ? WHERE outbox_id = ? AND batch_id IS NULL");
    this.db.transaction(() => {
      for (const id of outboxIds) set.run(batchId, id);
    })();
  }

  batch(batchId: string): OutboxRow[] {
    return this.db
      .prepare("SELECT * FROM outbox WHERE batch_id = ? ORDER BY outbox_id")
      .all(batchId) as OutboxRow[];
  }

  markAcked(outboxId: number, now: number): void {
    this.db
      .prepare(
        "UPDATE outbox SET acked_at = ?, attempts = attempts + 1, last_error = NULL WHERE outbox_id = ?",
      )
      .run(now, outboxId);
  }

  markFailed(outboxId: number, error: string, nextAttemptAt: number): void {
    this.db
      .prepare(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE outbox_id = ?",
      )
      .run(error.slice(0, 500), nextAttemptAt, outboxId);
  }

  /** The earliest time anything is due, or undefined when everything is acknowledged. */
  nextDueAt(): number | undefined {
    const row = this.db
      .prepare("SELECT MIN(next_attempt_at) AS at FROM outbox WHERE acked_at IS NULL")
      .get() as { at: number | null };
    return row.at ?? undefined;
  }

  /** True while a Register Commit queued before `outboxId` is unacknowledged. */
  commitsPendingBefore(outboxId: number): boolean {
    return (
      this.db
        .prepare(
          "SELECT 1 FROM outbox WHERE acked_at IS NULL AND type = 'RegisterCommit' AND outbox_id < ? LIMIT 1",
        )
        .get(outboxId) !== undefined
    );
  }

  byMessageId(messageId: string): OutboxRow | undefined {
    return this.db.prepare("SELECT * FROM outbox WHERE message_id = ?").get(messageId) as
      | OutboxRow
      | undefined;
  }

  pendingCount(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE acked_at IS NULL").get() as { n: number })
      .n;
  }
}

/** The durable outbox of messages the broker owes the host (Register Commit, Register Settlement). */
import type { LedgerDatabase } from "./database";

export interface OutboxRow {
  outbox_id: number;
  message_id: string;
  type: string;
  body_json: string;
  /** Failed attempts so far (an acknowledged row counts its last, successful one too). */
  attempts: number;
  next_attempt_at: number;
  acked_at: number | null;
  /** `code: message` of the last failed attempt. */
  last_error: string | null;
  batch_id: string | null;
  /** Set when the host refused the message for good: it is never sent again (the operator sees it). */
  gave_up_at: number | null;
  created_at: number;
}

/** Rows still owed: neither acknowledged nor given up. */
const OWED = "acked_at IS NULL AND gave_up_at IS NULL";

/**
 * Owed rows `o` that may be sent: a Register Settlement waits while a Register Commit queued before
 * it is still owed (the host records only settlements of commitments it knows this broker made).
 * A given-up Register Commit no longer holds it back: it will never be acknowledged.
 */
const SENDABLE = `o.acked_at IS NULL AND o.gave_up_at IS NULL AND NOT (o.type = 'RegisterSettlement' AND EXISTS (
  SELECT 1 FROM outbox c WHERE c.acked_at IS NULL AND c.gave_up_at IS NULL
    AND c.type = 'RegisterCommit' AND c.outbox_id < o.outbox_id))`;

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

  /**
   * Owed messages due by `now` (all of them when `now` is Infinity), oldest first, leaving out a
   * Register Settlement that waits for an earlier Register Commit.
   */
  due(now: number, limit = 100): OutboxRow[] {
    const all = now === Number.POSITIVE_INFINITY;
    const sql = `SELECT * FROM outbox o WHERE ${SENDABLE} ${all ? "" : "AND o.next_attempt_at <= ?"}
      ORDER BY o.outbox_id LIMIT ?`;
    return this.db.prepare(sql).all(...(all ? [limit] : [now, limit])) as OutboxRow[];
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

  /** The host acknowledged these rows (one message, or one batch), in one write. */
  markAcked(outboxIds: number[], now: number): void {
    const set = this.db.prepare(
      "UPDATE outbox SET acked_at = ?, attempts = attempts + 1, last_error = NULL WHERE outbox_id = ?",
    );
    this.db.transaction(() => {
      for (const id of outboxIds) set.run(now, id);
    })();
  }

  /** A failed attempt: the new count and error, and either the next attempt's time or that it was given up. */
  markFailed(
    outboxIds: number[],
    attempt: { failures: number; error: string } & ({ retryAt: number } | { gaveUpAt: number }),
  ): void {
    const retry = "retryAt" in attempt;
    const set = this.db.prepare(
      retry
        ? "UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE outbox_id = ?"
        : "UPDATE outbox SET attempts = ?, last_error = ?, gave_up_at = ? WHERE outbox_id = ?",
    );
    const at = retry ? attempt.retryAt : attempt.gaveUpAt;
    this.db.transaction(() => {
      for (const id of outboxIds) set.run(attempt.failures, attempt.error.slice(0, 500), at, id);
    })();
  }

  /** The earliest time an owed message may be sent, or undefined when none can be (all sent, or waiting). */
  nextDueAt(): number | undefined {
    const row = this.db
      .prepare(`SELECT MIN(o.next_attempt_at) AS at FROM outbox o WHERE ${SENDABLE}`)
      .get() as { at: number | null };
    return row.at ?? undefined;
  }

  /** How many messages travel under this id: a batch's members, or 1 for a message sent alone. */
  unitSize(id: string): number {
    const row = this.db
      .prepare(
        `SELECT (SELECT COUNT(*) FROM outbox WHERE batch_id = ?)
              + (SELECT COUNT(*) FROM outbox WHERE message_id = ? AND batch_id IS NULL) AS n`,
      )
      .get(id, id) as { n: number };
    return row.n;
  }

  byMessageId(messageId: string): OutboxRow | undefined {
    return this.db.prepare("SELECT * FROM outbox WHERE message_id = ?").get(messageId) as
      | OutboxRow
      | undefined;
  }

  /** Messages still owed to the host (sendable or waiting), not counting those given up. */
  pendingCount(): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE ${OWED}`).get() as { n: number }).n;
  }

  /** Messages the host refused for good: for the operator to look at (`last_error` says why). */
  givenUp(): OutboxRow[] {
    return this.db
      .prepare("SELECT * FROM outbox WHERE gave_up_at IS NOT NULL ORDER BY outbox_id")
      .all() as OutboxRow[];
  }
}

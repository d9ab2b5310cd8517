/** Exactly-once replies: `(sender, message id)` → the reply it got, compared by body fingerprint. */
import type { LedgerDatabase } from "./database";

export interface StoredReply {
  type: string;
  fingerprint: string;
  statusCode: number;
  response: unknown;
}

export class IdempotencyStore {
  constructor(private readonly db: LedgerDatabase) {}

  get(sender: string, messageId: string): StoredReply | undefined {
    const row = this.db
      .prepare(
        "SELECT type, fingerprint, status_code, response_json FROM idempotency WHERE sender = ? AND message_id = ?",
      )
      .get(sender, messageId) as
      | { type: string; fingerprint: string; status_code: number; response_json: string }
      | undefined;
    if (!row) return undefined;
    return {
      type: row.type,
      fingerprint: row.fingerprint,
      statusCode: row.status_code,
      response: JSON.parse(row.response_json),
    };
  }

  /** First writer wins: a concurrent duplicate keeps the reply already stored. */
  put(sender: string, messageId: string, reply: StoredReply, now: number): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO idempotency (sender, message_id, type, fingerprint, status_code, response_json, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        sender,
        messageId,
        reply.type,
        reply.fingerprint,
        reply.statusCode,
        JSON.stringify(reply.response),
        now,
      );
  }

  /** Forgets replies older than `before` (kept well beyond the freshness window, so replays still fail). */
  prune(before: number): number {
    return this.db.prepare("DELETE FROM idempotency WHERE created_at < ?").run(before).changes;
  }
}

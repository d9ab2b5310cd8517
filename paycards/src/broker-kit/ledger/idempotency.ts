/**
 * Exactly-once replies: `(sender, message id)` → the reply it got, compared by body fingerprint, and
 * recorded in the same transaction as the message's effect.
 */
import type { LedgerDatabase } from "./database";

/** What a message was answered: an HTTP status and its JSON body. */
export interface Answer {
  statusCode: number;
  response: unknown;
}

export interface StoredReply extends Answer {
  type: string;
  fingerprint: string;
}

/** Which message a reply belongs to. */
export interface MessageKey {
  sender: string;
  messageId: string;
  type: string;
  /** SHA-256 of the canonical `{type, body}` (`envelopeFingerprint`). */
  fingerprint: string;
}

/**
 * Thrown by `once` when the message's id already has a reply — another process sharing the ledger
 * answered it first. Nothing ran; answer with `stored` (or `conflict` if its fingerprint differs).
 */
export class AlreadyAnswered extends Error {
  constructor(readonly stored: StoredReply) {
    super(`message ${stored.type} is already answered`);
  }
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

  /**
   * Claims the message's id, runs `effect` and records the answer it returns — one IMMEDIATE
   * transaction, so the reply and the effect commit together or not at all, and a second process
   * on the same file waits for the write lock and then finds the reply (`AlreadyAnswered`) instead
   * of running the effect again. An `effect` that throws rolls everything back: no reply is kept.
   */
  once<A extends Answer>(message: MessageKey, now: number, effect: () => A): A {
    return this.db
      .transaction((): A => {
        const stored = this.get(message.sender, message.messageId);
        if (stored) throw new AlreadyAnswered(stored);
        const answer = effect();
        this.db
          .prepare(
            `INSERT INTO idempotency (sender, message_id, type, fingerprint, status_code, response_json, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            message.sender,
            message.messageId,
            message.type,
            message.fingerprint,
            answer.statusCode,
            JSON.stringify(answer.response),
            now,
          );
        return answer;
      })
      .immediate();
  }

  /** Forgets replies older than `before` (kept well beyond the freshness window, so replays still fail). */
  prune(before: number): number {
    return this.db.prepare("DELETE FROM idempotency WHERE created_at < ?").run(before).changes;
  }
}

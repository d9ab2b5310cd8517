/**
 * Sends what the broker owes the host (Register Commit, Register Settlement) from the durable outbox,
 * on protocol's one resend loop (`Resender`) and retry policy: right after the fact, then with
 * backoff until the host acknowledges. Every resend is re-signed (fresh `at`) under the same message
 * id, so the host records it exactly once. Endorsements that pile up while a send is in flight go
 * together as one RegisterCommitBatch (one signature). A Register Settlement waits until every
 * Register Commit queued before it is acknowledged: the host records only settlements of
 * commitments it knows this broker made.
 */
import {
  type AttemptError,
  type FailedAttempt,
  type FetchLike,
  type GiveUpReason,
  isRetryable,
  MAX_BATCH,
  newMessageId,
  type Outgoing,
  Resender,
  type ResendStore,
  type RetryPolicy,
  type SignedEndorsement,
  type SignedSettlementStatement,
  type Signer,
  sendMessage,
  signEnvelope,
} from "@quickpay/protocol";
import type { Ledger, OutboxRow } from "./ledger";

/**
 * The broker's retry policy: the first retry within 1 s, doubling to at most a minute, and never
 * given up by count or age — a host that is down for a day gets every registration once it is back.
 * Only a refusal (a code that can never succeed as sent) gives a message up.
 */
export const COMMIT_OUTBOX_POLICY: RetryPolicy = { baseMs: 1_000, capMs: 60_000 };

/**
 * Refusals that are not final for a broker: the host does not know this broker yet (it is admitted
 * after it starts) or has suspended it for now. An operator fixes those, and the message then goes.
 */
const RETRY_ALSO = new Set(["unknown_player", "suspended", "not_registered"]);

/** What is sent in one attempt: one message alone, or one RegisterCommitBatch under its batch id. */
export interface OutboxUnit extends Outgoing {
  type: "RegisterCommit" | "RegisterCommitBatch" | "RegisterSettlement";
  rows: OutboxRow[];
}

export interface CommitOutboxOptions {
  ledger: Ledger;
  hostUrl: string;
  signer: Signer;
  fetch?: FetchLike;
  now?: () => number;
  /** Default `COMMIT_OUTBOX_POLICY`. */
  policy?: RetryPolicy;
  /** The jitter's random source (tests pin it). */
  random?: () => number;
  logger?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Told once when the host refuses a message for good (after it is logged as an error). */
  onGiveUp?(unit: OutboxUnit, error: AttemptError, reason: GiveUpReason): void | Promise<void>;
}

/** Counts of messages (rows), not requests: a batch of three sent counts three. */
export interface DrainResult {
  sent: number;
  failed: number;
  gaveUp: number;
  /** Messages still owed after the drain (not counting those given up). */
  pending: number;
}

/** The outbox table as the resend loop sees it: units to send, and their outcomes. */
export class OutboxResendStore implements ResendStore<OutboxUnit> {
  constructor(
    private readonly ledger: Ledger,
    private readonly now: () => number,
  ) {}

  due(now: number): OutboxUnit[] {
    const { outbox } = this.ledger;
    // A message already tried alone keeps its own id (the host may have recorded it under that id);
    // only never-tried messages are batched, and a batch, once formed, is always resent whole.
    const fresh = outbox
      .due(now, MAX_BATCH)
      .filter((r) => r.type === "RegisterCommit" && r.attempts === 0 && r.batch_id === null);
    if (fresh.length >= 2) {
      outbox.assignBatch(
        fresh.map((r) => r.outbox_id),
        newMessageId(),
      );
    }
    const units = new Map<string, OutboxUnit>();
    for (const row of outbox.due(now, MAX_BATCH)) {
      const id = row.batch_id ?? row.message_id;
      if (units.has(id)) continue;
      const rows = row.batch_id === null ? [row] : outbox.batch(row.batch_id);
      units.set(id, {
        id,
        type: row.batch_id !== null ? "RegisterCommitBatch" : (row.type as OutboxUnit["type"]),
        rows,
        failures: row.attempts,
        queuedAt: Math.min(...rows.map((r) => r.created_at)),
        nextAttemptAt: row.next_attempt_at,
      });
    }
    return [...units.values()];
  }

  nextDueAt(): number | undefined {
    return this.ledger.outbox.nextDueAt();
  }

  acknowledged(unit: OutboxUnit): void {
    this.ledger.outbox.markAcked(
      unit.rows.map((r) => r.outbox_id),
      this.now(),
    );
  }

  failed(unit: OutboxUnit, attempt: FailedAttempt): void {
    const error = `${attempt.error.code}: ${attempt.error.message}`;
    const ids = unit.rows.map((r) => r.outbox_id);
    const { verdict } = attempt;
    this.ledger.outbox.markFailed(
      ids,
      verdict.retry
        ? { failures: attempt.failures, error, retryAt: verdict.at }
        : { failures: attempt.failures, error, gaveUpAt: this.now() },
    );
  }
}

export class CommitOutbox {
  private readonly resender: Resender<OutboxUnit>;
  private readonly now: () => number;

  constructor(private readonly options: CommitOutboxOptions) {
    this.now = options.now ?? Date.now;
    this.resender = new Resender<OutboxUnit>({
      store: new OutboxResendStore(options.ledger, this.now),
      send: (unit) => this.send(unit),
      policy: options.policy ?? COMMIT_OUTBOX_POLICY,
      retryable: (error) =>
        isRetryable(error) || RETRY_ALSO.has((error as { code?: string } | null)?.code ?? ""),
      onGiveUp: (unit, error, reason) => this.gaveUp(unit, error, reason),
      now: this.now,
      ...(options.random ? { random: options.random } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      name: "broker-outbox",
    });
  }

  /** Starts the background sender (sends anything left from before a restart). */
  start(): void {
    this.resender.start();
  }

  /** Stops scheduling; waits for a send in progress. Owed messages stay stored for the next start. */
  async stop(): Promise<void> {
    await this.resender.stop();
  }

  /** Something new is due: send it now rather than at the next scheduled time (nothing while stopped). */
  kick(): void {
    this.resender.kick();
  }

  /**
   * Sends what is due (drains never overlap); `all: true` also sends what waits for its backoff —
   * what tests and an operator's "retry now" use. Runs again while a drain's acknowledgements let a
   * waiting Register Settlement go, so one call sends everything that can be sent now.
   */
  async drain(options: { all?: boolean } = {}): Promise<DrainResult> {
    const result: DrainResult = { sent: 0, failed: 0, gaveUp: 0, pending: 0 };
    const { outbox } = this.options.ledger;
    const count = (ids: string[]) => ids.reduce((n, id) => n + outbox.unitSize(id), 0);
    const tried = new Set<string>();
    for (;;) {
      const report = await this.resender.drain(options);
      result.sent += count(report.sent);
      result.failed += count(report.retrying);
      result.gaveUp += count(report.gaveUp);
      for (const id of [...report.sent, ...report.retrying, ...report.gaveUp]) tried.add(id);
      // Go again only for what this call has not tried yet (a Register Settlement just let go).
      const untried = outbox
        .due(options.all ? Number.POSITIVE_INFINITY : this.now(), MAX_BATCH)
        .some((r) => !tried.has(r.batch_id ?? r.message_id));
      if (report.sent.length === 0 || !untried) break;
    }
    result.pending = outbox.pendingCount();
    return result;
  }

  /** One attempt: one message alone, or one batch under its batch id. Throws on any failure. */
  private async send(unit: OutboxUnit): Promise<void> {
    const { hostUrl, signer, fetch, logger } = this.options;
    const options = fetch ? { fetch } : {};
    const first = unit.rows[0]!;
    if (unit.type === "RegisterSettlement") {
      const body = JSON.parse(first.body_json) as { statement: SignedSettlementStatement };
      const envelope = await signEnvelope(signer, "RegisterSettlement" as const, body, { id: unit.id });
      const reply = await sendMessage(hostUrl, "RegisterSettlement", envelope, options);
      if (reply.alreadySettled.length > 0 || reply.rejected.length > 0) {
        // The broker has paid these already; the host's own approvals for them will be skipped.
        logger?.warn(
          { statementId: reply.statementId, alreadySettled: reply.alreadySettled, rejected: reply.rejected },
          "host did not record every settlement of a statement",
        );
      }
      return;
    }
    let flagged: string[];
    if (unit.type === "RegisterCommit") {
      const body = JSON.parse(first.body_json) as { endorsement: SignedEndorsement };
      const envelope = await signEnvelope(signer, "RegisterCommit" as const, body, { id: unit.id });
      const reply = await sendMessage(hostUrl, "RegisterCommit", envelope, options);
      flagged = reply.flagged ? [reply.orderDigest] : [];
    } else {
      const endorsements = unit.rows.map(
        (r) => (JSON.parse(r.body_json) as { endorsement: SignedEndorsement }).endorsement,
      );
      const envelope = await signEnvelope(
        signer,
        "RegisterCommitBatch" as const,
        { endorsements },
        { id: unit.id },
      );
      const reply = await sendMessage(hostUrl, "RegisterCommitBatch", envelope, options);
      flagged = reply.registered.filter((r) => r.flagged).map((r) => r.orderDigest);
    }
    if (flagged.length > 0)
      logger?.warn({ orderDigests: flagged }, "host flagged a disagreeing registration");
  }

  /** The host refused a message for good: the operator must hear of it (it stays in the outbox, given up). */
  private async gaveUp(unit: OutboxUnit, error: AttemptError, reason: GiveUpReason): Promise<void> {
    this.options.logger?.error(
      {
        messageId: unit.id,
        type: unit.type,
        count: unit.rows.length,
        code: error.code,
        error: error.message,
        reason,
      },
      `the host refused ${unit.type}; it will not be resent — see the outbox row's last_error`,
    );
    await this.options.onGiveUp?.(unit, error, reason);
  }
}

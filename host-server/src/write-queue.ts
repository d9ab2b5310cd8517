/**
 * Group commit: writes from concurrent requests are collected for a moment (`delayMs`, default 2 ms)
 * and applied in ONE store transaction (one fsync); every request is answered only after that
 * commit. While a batch commits, new writes gather for the next one, so under load batches grow by
 * themselves and the delay matters only when the host is idle. Writes that already make a full
 * batch (`maxBatch` registrations, e.g. one batch envelope of 1000) go at once.
 *
 * `maxInFlight` batches may commit at once (default 1). More pays on a store whose `apply` waits:
 * PostgreSQL (its unique idempotency keys and digest locks keep concurrent transactions
 * exactly-once) and SQLite's writer thread (which applies them in order). SQLite's inline `apply`
 * is synchronous, so it stays at 1.
 */
import type { Effect, HostStore, Outcome, Write } from "./store/types";

interface Pending {
  write: Write;
  resolve: (outcome: Outcome) => void;
  reject: (error: unknown) => void;
}

export interface WriteQueueOptions {
  delayMs?: number;
  /**
   * Size of a full batch (default 1000), counted in registrations (settle items, settlement
   * digests; any other write counts 1): pending writes go once they reach it, without the delay.
   * A batch holds whole writes, so its last one may carry it past this size.
   */
  maxBatch?: number;
  /** Batches committing at the same time (default 1). */
  maxInFlight?: number;
}

export interface WriteQueueStats {
  batches: number;
  writes: number;
  largestBatch: number;
}

export class WriteQueue {
  private pending: Pending[] = [];
  private pendingWeight = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly delayMs: number;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  readonly stats: WriteQueueStats = { batches: 0, writes: 0, largestBatch: 0 };

  constructor(
    private readonly store: HostStore,
    options: WriteQueueOptions = {},
  ) {
    this.delayMs = options.delayMs ?? 2;
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  }

  /** Resolves with the write's outcome once it is durable. */
  submit(write: Write): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      this.pending.push({ write, resolve, reject });
      this.pendingWeight += weightOf(write.effect);
      this.schedule();
    });
  }

  /** Waits until every submitted write is committed (used on close). */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight.size > 0) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.flush();
      }
      await Promise.all(this.inFlight);
    }
  }

  private schedule(): void {
    if (this.inFlight.size >= this.maxInFlight) return;
    // A full batch (one batch envelope of 1000 registrations is one) goes at once: waiting for the
    // timer only delays it, and with 300 KB envelopes being parsed the loop may fire it late.
    if (this.pendingWeight >= this.maxBatch) {
      this.flush();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.delayMs);
  }

  private flush(): void {
    if (this.inFlight.size >= this.maxInFlight || this.pending.length === 0) return;
    let count = 0;
    let weight = 0;
    while (count < this.pending.length && weight < this.maxBatch) {
      weight += weightOf(this.pending[count]!.write.effect);
      count += 1;
    }
    const batch = this.pending.splice(0, count);
    this.pendingWeight -= weight;
    this.stats.batches += 1;
    this.stats.writes += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    const committing: Promise<void> = this.commit(batch).finally(() => {
      this.inFlight.delete(committing);
      if (this.pending.length > 0) this.schedule();
    });
    this.inFlight.add(committing);
    // Room for another batch meanwhile (maxInFlight > 1): the rest gathers for it.
    if (this.pending.length > 0) this.schedule();
  }

  private async commit(batch: Pending[]): Promise<void> {
    try {
      const outcomes = await this.store.apply(batch.map((p) => p.write));
      for (const [i, p] of batch.entries()) p.resolve(outcomes[i]!);
    } catch {
      // One faulty write must not fail its neighbours: retry each alone, so only it fails.
      for (const p of batch) {
        try {
          const [outcome] = await this.store.apply([p.write]);
          p.resolve(outcome!);
        } catch (error) {
          p.reject(error);
        }
      }
    }
  }
}

/** How much a write adds to a transaction: its registrations or items, or 1. */
function weightOf(effect: Effect): number {
  switch (effect.kind) {
    case "register":
      return Math.max(1, effect.registrations.length);
    case "settle":
      return Math.max(1, effect.items.length);
    case "registerSettlement":
      return Math.max(1, effect.orderDigests.length);
    default:
      return 1;
  }
}

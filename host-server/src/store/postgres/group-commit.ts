/**
 * Group commit: `apply` calls that arrive within a short window (or while the database is busy
 * with earlier transactions) share ONE transaction and one WAL flush, and each caller is answered
 * once that COMMIT is durable. Correctness never depends on the batching — the unique keys and
 * digest locks arbitrate between transactions of this and other processes — so it is purely a
 * throughput device.
 */
import type { Outcome, Write } from "../types";

export interface GroupCommitOptions {
  /**
   * How long the first write of a batch waits for company when nothing is in flight. Default 0:
   * only calls made in the same event-loop turn are gathered, because the host's own WriteQueue
   * already collects ~2 ms of requests before it calls `apply` — waiting again would only add latency.
   * Set 1–5 ms when many independent callers use the store directly.
   */
  windowMs?: number;
  /** Most writes in one transaction. Default 2000. */
  maxWrites?: number;
  /** Most transactions in flight at once (this process). Default 4. */
  maxInFlight?: number;
}

interface Pending {
  writes: Write[];
  resolve(outcomes: Outcome[]): void;
  reject(error: unknown): void;
}

export class GroupCommit {
  private readonly queue: Pending[] = [];
  private queued = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private idleWaiters: (() => void)[] = [];
  private readonly windowMs: number;
  private readonly maxWrites: number;
  private readonly maxInFlight: number;

  /** `run` applies writes in one transaction and resolves after COMMIT. */
  constructor(
    private readonly run: (writes: Write[]) => Promise<Outcome[]>,
    options: GroupCommitOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 0;
    this.maxWrites = options.maxWrites ?? 2000;
    this.maxInFlight = options.maxInFlight ?? 4;
  }

  submit(writes: Write[]): Promise<Outcome[]> {
    if (writes.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ writes, resolve, reject });
      this.queued += writes.length;
      if (this.queued >= this.maxWrites) this.drain();
      else
        this.timer ??=
          this.windowMs > 0
            ? setTimeout(() => this.drain(), this.windowMs)
            : setImmediate(() => this.drain());
    });
  }

  /** Resolves when nothing is queued or in flight (used by close). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private drain(): void {
    if (this.timer) {
      if (this.windowMs > 0) clearTimeout(this.timer as NodeJS.Timeout);
      else clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = undefined;
    }
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const batch: Pending[] = [];
      let size = 0;
      while (
        this.queue.length > 0 &&
        (batch.length === 0 || size + (this.queue[0]?.writes.length ?? 0) <= this.maxWrites)
      ) {
        const next = this.queue.shift() as Pending;
        batch.push(next);
        size += next.writes.length;
      }
      this.queued -= size;
      this.inFlight++;
      void this.commit(batch).finally(() => {
        this.inFlight--;
        // Writes that queued up while we were busy have waited long enough: go at once.
        if (this.queue.length > 0) this.drain();
        else if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    try {
      const outcomes = await this.run(batch.flatMap((p) => p.writes));
      let at = 0;
      for (const p of batch) {
        p.resolve(outcomes.slice(at, at + p.writes.length));
        at += p.writes.length;
      }
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // One caller's bad write must not fail its neighbours: give each its own transaction.
      await Promise.all(batch.map((p) => this.run(p.writes).then(p.resolve, p.reject)));
    }
  }
}

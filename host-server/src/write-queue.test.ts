/** Group commit: concurrent writes share one store transaction and each gets its own outcome. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createSqliteStore } from "./store/sqlite";
import type { HostStore, Outcome, Write } from "./store/types";
import { WriteQueue } from "./write-queue";

const dir = mkdtempSync(join(tmpdir(), "qp-queue-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const wallet = (n: number): Write => {
  const id = `w_${n.toString(16).padStart(32, "0")}`;
  return {
    from: id,
    messageId: `register-wallet-${n}`.padEnd(16, "x"),
    fingerprint: `fp-${n}`,
    at: "2026-01-01T00:00:00.000Z",
    effect: {
      kind: "registerPlayer",
      player: {
        id,
        kind: "wallet",
        publicKey: `K${n}`,
        status: "active",
        registeredAt: "2026-01-01T00:00:00.000Z",
      },
    },
  };
};

describe("WriteQueue (group commit)", () => {
  it("commits writes submitted together in one transaction, answering each", async () => {
    const store = createSqliteStore({ path: join(dir, "a.db") });
    const queue = new WriteQueue(store, { delayMs: 2 });
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => queue.submit(wallet(i))));
    expect(outcomes.every((o) => o.status === "applied")).toBe(true);
    expect(queue.stats).toEqual({ batches: 1, writes: 50, largestBatch: 50 });
    expect((await store.counts()).wallets).toBe(50);
    await store.close();
  });

  it("splits at maxBatch and keeps the order of outcomes", async () => {
    const store = createSqliteStore({ path: join(dir, "b.db") });
    const queue = new WriteQueue(store, { delayMs: 1, maxBatch: 10 });
    const writes = Array.from({ length: 25 }, (_, i) => wallet(i));
    const outcomes = await Promise.all([...writes, writes[0]!].map((w) => queue.submit(w)));
    expect(outcomes.at(-1)).toEqual({ status: "repeat", result: { playerId: writes[0]!.from } });
    expect(queue.stats.largestBatch).toBe(10);
    expect(queue.stats.writes).toBe(26);
    await queue.drain();
    await store.close();
  });

  it("isolates a write that makes the store throw: its neighbours still commit", async () => {
    const inner = createSqliteStore({ path: join(dir, "c.db") });
    const poisoned = wallet(999);
    const store: HostStore = {
      ...inner,
      async apply(writes: Write[]): Promise<Outcome[]> {
        if (writes.includes(poisoned)) throw new Error("disk on fire");
        return inner.apply(writes);
      },
    };
    const queue = new WriteQueue(store, { delayMs: 1 });
    const results = await Promise.allSettled([wallet(1), poisoned, wallet(2)].map((w) => queue.submit(w)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((await inner.counts()).wallets).toBe(2);
    await inner.close();
  });

  it("keeps up to maxInFlight batches committing at once, and drain waits for all of them", async () => {
    const inner = createSqliteStore({ path: join(dir, "d.db") });
    let running = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    // A store whose commits wait on I/O (as PostgreSQL's do): each apply waits until released.
    const store: HostStore = {
      ...inner,
      async apply(writes: Write[]): Promise<Outcome[]> {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((release) => gates.push(release));
        running--;
        return inner.apply(writes);
      },
    };
    const queue = new WriteQueue(store, { delayMs: 1, maxBatch: 5, maxInFlight: 3 });
    const answers = Array.from({ length: 20 }, (_, i) => queue.submit(wallet(i)));
    while (running < 3) await new Promise((tick) => setTimeout(tick, 1));
    const drained = queue.drain();
    while (queue.stats.writes < 20 || running > 0 || gates.length > 0) {
      await new Promise((tick) => setImmediate(tick));
      for (const release of gates.splice(0)) release();
    }
    await drained;
    expect((await Promise.all(answers)).every((o) => o.status === "applied")).toBe(true);
    expect(most).toBe(3);
    expect(queue.stats).toEqual({ batches: 4, writes: 20, largestBatch: 5 });
    expect((await inner.counts()).wallets).toBe(20);
    await inner.close();
  });

  it("counts registrations toward maxBatch and sends a full batch without waiting for the delay", async () => {
    const store = createSqliteStore({ path: join(dir, "e.db") });
    const queue = new WriteQueue(store, { delayMs: 60_000, maxBatch: 10 });
    const registrations = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({
        side: "delivery" as const,
        orderDigest: (from + i).toString(16).padStart(64, "0"),
        commitId: `c_${from + i}`,
        vendorId: "v_queue",
        amount: { currency: "USD", micros: 5_000 },
      }));
    const batchWrite = (n: number, from: number): Write => ({
      from: "v_queue",
      messageId: `batch-${from}`.padEnd(16, "x"),
      fingerprint: `fp-${from}`,
      at: "2026-01-01T00:00:00.000Z",
      effect: { kind: "register", registrations: registrations(n, from) },
    });
    // 4 + 4 + 4 registrations reach 10 with the third write: all three go at once, long before 60 s.
    const outcomes = await Promise.all(
      [batchWrite(4, 0), batchWrite(4, 4), batchWrite(4, 8)].map((w) => queue.submit(w)),
    );
    expect(outcomes.map((o) => o.status)).toEqual(["applied", "applied", "applied"]);
    expect(queue.stats).toEqual({ batches: 1, writes: 3, largestBatch: 3 });
    await store.close();
  });
});

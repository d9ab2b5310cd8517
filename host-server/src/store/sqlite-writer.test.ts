/** The SQLite writer thread: batches commit in order; a dead writer fails closed. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createSqliteStore } from "./sqlite";
import { SqliteWriterThread } from "./sqlite-writer";
import type { Write } from "./types";

const dir = mkdtempSync(join(tmpdir(), "qp-writer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (messageId: string, digest: string): Write => ({
  from: "v_bench",
  messageId,
  fingerprint: `f-${messageId}`,
  at: "2026-11-21T00:00:00.000Z",
  effect: {
    kind: "register",
    registrations: [
      {
        side: "delivery",
        orderDigest: digest,
        commitId: `c_${messageId}`,
        vendorId: "v_bench",
        amount: { currency: "USD", micros: 5_000 },
      },
    ],
  },
});

describe("SQLite writer thread", () => {
  it("commits batches sent at once, in order, each exactly once, visible to other connections", async () => {
    const path = join(dir, "order.db");
    const store = createSqliteStore({ path, writer: "thread" });
    const digest = "a".repeat(64);
    const sent = await Promise.all([
      store.apply([write("m1", digest), write("m2", digest)]),
      store.apply([write("m1", digest)]),
      store.apply([{ ...write("m2", digest), fingerprint: "other" }]),
    ]);
    expect(sent.map((outcomes) => outcomes.map((o) => o.status))).toEqual([
      ["applied", "applied"],
      ["repeat"],
      ["conflict"],
    ]);
    const reader = createSqliteStore({ path });
    expect((await reader.getOrder(digest)).registrations.map((r) => r.messageId)).toEqual(["m1", "m2"]);
    await reader.close();
    await store.close();
  });

  it("commits batches that queued meanwhile together, each answered alone; a faulty one fails alone", async () => {
    const path = join(dir, "shared.db");
    await createSqliteStore({ path }).close();
    const writer = new SqliteWriterThread({ path });
    await writer.start();
    // A registration without a currency breaks a NOT NULL column: SQLite throws inside the
    // transaction, which rolls back whatever else shared it.
    const faulty = write("bad", "e".repeat(64));
    const [registration] = (faulty.effect as { registrations: { amount: object }[] }).registrations;
    registration!.amount = { currency: null, micros: 5_000 };
    const batches = [
      [write("s1", "d".repeat(64)), write("s2", "d".repeat(64))],
      [write("s3", "f".repeat(64))],
      [faulty],
      [write("s1", "d".repeat(64))],
    ];
    const results = await Promise.allSettled(batches.map((b) => writer.apply(b)));
    expect(results.map((r) => (r.status === "fulfilled" ? r.value.map((o) => o.status) : "failed"))).toEqual([
      ["applied", "applied"],
      ["applied"],
      "failed",
      ["repeat"],
    ]);
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/NOT NULL/);
    await writer.close();
    const reader = createSqliteStore({ path });
    expect((await reader.getOrder("d".repeat(64))).registrations.map((r) => r.messageId)).toEqual([
      "s1",
      "s2",
    ]);
    expect((await reader.getOrder("e".repeat(64))).registrations).toEqual([]);
    await reader.close();
  });

  it("fails the batch a dead writer held and every later one, with a clear error", async () => {
    const path = join(dir, "restart.db");
    await createSqliteStore({ path }).close();
    const writer = new SqliteWriterThread({ path });
    await writer.apply([write("m1", "b".repeat(64))]);
    const worker = Reflect.get(writer, "worker") as Worker;
    const held = writer.apply([write("m2", "b".repeat(64))]);
    await worker.terminate();
    // Terminated before or after committing: either way the caller is told, never left hanging.
    const outcome = await held.then(
      () => "committed",
      (error: Error) => error.message,
    );
    expect(["committed", "SQLite writer thread exited (1)"]).toContain(outcome);
    await expect(writer.apply([write("m3", "b".repeat(64))])).rejects.toThrow(
      /writer thread stopped .*restart the host/,
    );
    await writer.close();
  });

  it("copies the WAL back into the database on the checkpointer thread, not in the writer's commits", async () => {
    const path = join(dir, "checkpoint.db");
    const store = createSqliteStore({ path, writer: "thread" });
    await store.apply([]);
    const empty = statSync(path).size;
    for (let b = 0; b < 20; b++) {
      const writes = Array.from({ length: 100 }, (_, i) => write(`c${b}-${i}`, `${b}-${i}`.padEnd(64, "0")));
      await store.apply(writes);
    }
    // The writer's own automatic checkpoint is off: the rows reach the database file only through
    // the checkpointer, which looks every 500 ms.
    await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(empty + 200_000), {
      timeout: 5_000,
      interval: 50,
    });
    await store.close();
  });

  it.runIf(process.platform === "linux")("runs checkpoints at the lowest CPU priority", async () => {
    const path = join(dir, "nice.db");
    await createSqliteStore({ path }).close();
    const niceOfThreads = () =>
      readdirSync("/proc/self/task").map((t) => {
        const stat = readFileSync(`/proc/self/task/${t}/stat`, "utf8");
        // Fields after the command's closing parenthesis; nice is the 19th field of the line.
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
      });
    const before = niceOfThreads().filter((n) => n === 19).length;
    const writer = new SqliteWriterThread({ path });
    await writer.start();
    expect(niceOfThreads().filter((n) => n === 19).length).toBe(before + 1);
    await writer.close();
  });

  it("leaves the WAL's size alone while writes go on and cuts it back after a lull", async () => {
    const path = join(dir, "lull.db");
    await createSqliteStore({ path }).close();
    const writer = new SqliteWriterThread({ path, walKeepBytes: 0 });
    // Writes every 50 ms for 1.5 s: never a second without a commit, so the WAL is never cut.
    for (let b = 0; b < 30; b++) {
      await writer.apply(
        Array.from({ length: 20 }, (_, i) => write(`l${b}-${i}`, `${b}-${i}`.padEnd(64, "0"))),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
    }
    // A second without commits: the checkpointer copies everything back, then empties the file.
    await vi.waitFor(() => expect(statSync(`${path}-wal`).size).toBe(0), { timeout: 5_000, interval: 50 });
    await writer.close();
  });
});

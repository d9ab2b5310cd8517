/**
 * Several processes, one PostgreSQL: each receives the same registrations concurrently (every one
 * sent by every process, some with an altered body under the same id). The database's unique keys
 * and digest locks must arbitrate: nothing lost, nothing applied twice, every altered body refused.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Outcome, Write } from "../types";
import { createPostgresStore } from "./index";
import { startTestCluster, type TestCluster } from "./test-cluster";

const CHILD = fileURLToPath(new URL("./multi-process.child.ts", import.meta.url));
const PROCESSES = 3;
const WRITES = 400;

let cluster: TestCluster;
const dir = mkdtempSync(join(tmpdir(), "qp-pg-multi-"));
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

function registration(n: number, micros = 5_000): Write {
  const vendor = `v_${hex(1 + (n % 5), 32)}`;
  const digest = hex(n + 1, 64);
  return {
    from: vendor,
    messageId: `multi-${hex(n, 16)}`,
    fingerprint: `fp-${n}-${micros}`,
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, n % 60)).toISOString(),
    effect: {
      kind: "register",
      registrations: [
        {
          side: "delivery",
          orderDigest: digest,
          commitId: `c_${digest.slice(0, 20)}`,
          vendorId: vendor,
          amount: { currency: "USD", micros },
        },
      ],
    },
  };
}

function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function runChild(
  url: string,
  writes: Write[],
  index: number,
): { child: ChildProcess; ready: Promise<void>; done: Promise<Outcome[]> } {
  const file = join(dir, `writes-${index}.json`);
  writeFileSync(file, JSON.stringify(writes));
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, url, file], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr?.on("data", (c) => {
    err += c;
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (c) => {
      out += c;
      if (out.startsWith("ready\n")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`child ${index} exited ${code} before ready: ${err}`)));
  });
  const done = new Promise<Outcome[]>((resolve, reject) => {
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`child ${index} exited ${code}: ${err}`));
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (!line) return reject(new Error(`child ${index} printed no outcomes: ${out} ${err}`));
      resolve((JSON.parse(line) as { outcomes: Outcome[] }).outcomes);
    });
  });
  return { child, ready, done };
}

describe("PostgreSQL store shared by several processes", () => {
  it("applies every registration exactly once when every process receives all of them at once", async () => {
    // Migrate first from here, so the children also race on an already-migrated database.
    const probe = await createPostgresStore(cluster.url);
    const originals = Array.from({ length: WRITES }, (_, n) => registration(n));
    // Every 10th message id also arrives with an altered body (another amount) in one process.
    const altered = originals
      .filter((_, n) => n % 10 === 0)
      .map((w, n) => ({ ...registration(n * 10, 7_000), messageId: w.messageId }));
    const children = Array.from({ length: PROCESSES }, (_, i) => {
      const mine = i === 0 ? [...originals, ...altered] : originals;
      return runChild(cluster.url, shuffled(mine, i + 1), i);
    });
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin?.write("go\n");
    const results = await Promise.all(children.map((c) => c.done));

    const all = results.flat();
    const applied = all.filter((o) => o.status === "applied");
    const conflicts = all.filter((o) => o.status === "conflict");
    const repeats = all.filter((o) => o.status === "repeat");
    // Each message id took effect once: with its original body, or — where the altered body won
    // the race — with that one, and then every original copy of it is a conflict.
    expect(applied).toHaveLength(WRITES);
    expect(applied.length + repeats.length + conflicts.length).toBe(all.length);
    expect(conflicts.length).toBeGreaterThanOrEqual(altered.length);

    const { rows } = await probe.pool.query(
      "SELECT count(*)::int AS n, count(DISTINCT (sender, message_id))::int AS ids, count(DISTINCT order_digest)::int AS digests FROM registrations",
    );
    expect(rows[0]).toEqual({ n: WRITES, ids: WRITES, digests: WRITES });
    // The stored result of each id matches what its applying process answered.
    for (const w of originals.slice(0, 20)) {
      const order = await probe.getOrder(
        (w.effect as { registrations: { orderDigest: string }[] }).registrations[0]!.orderDigest,
      );
      expect(order.registrations).toHaveLength(1);
      expect(order.registrations[0]?.messageId).toBe(w.messageId);
    }
    await probe.close();
  }, 60_000);
});

/**
 * Ed25519 verification on `worker_threads` (Node only, part of `@quickpay/protocol/node`), so a
 * server's other cores verify while its event loop parses and answers. Jobs queued in one event-loop
 * turn go to a worker as one message (the one with the fewest outstanding), which verifies them with
 * node:crypto and cached KeyObjects and answers with one message. Same accept/reject as
 * `nodeVerifyEd25519`; if a worker fails, its outstanding jobs are verified on the calling thread.
 * Several hosts in one process share one pool: `acquireVerifyPool` / `release` count its users.
 */
import { Worker } from "node:worker_threads";
import { installNativeVerify } from "./crypto";
import { nodeVerifyEd25519 } from "./node-crypto";

// CommonJS run with `eval: true`: no TypeScript loader needed inside the worker.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createPublicKey, verify } = require("node:crypto");
const PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const keys = new Map();
function keyOf(id, raw) {
  let key = keys.get(id);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([PREFIX, raw]), format: "der", type: "spki" });
    if (keys.size >= 4096) keys.delete(keys.keys().next().value);
    keys.set(id, key);
  }
  return key;
}
parentPort.on("message", ({ seq, jobs }) => {
  const ok = new Uint8Array(jobs.length);
  for (let i = 0; i < jobs.length; i++) {
    const [id, raw, message, sig] = jobs[i];
    try { ok[i] = verify(null, message, keyOf(id, raw), sig) ? 1 : 0; } catch { ok[i] = 0; }
  }
  parentPort.postMessage({ seq, ok });
});
`;

type Job = [publicKey: string, key: Uint8Array, message: Uint8Array, sig: Uint8Array];

interface Lane {
  worker: Worker;
  outstanding: number;
  sent: Map<number, { jobs: Job[]; resolves: ((ok: boolean) => void)[] }>;
  broken: boolean;
}

class VerifyPool {
  private readonly lanes: Lane[];
  private queued: Job[] = [];
  private resolves: ((ok: boolean) => void)[] = [];
  private scheduled = false;
  private seq = 0;

  constructor(threads: number) {
    this.lanes = Array.from({ length: threads }, () => this.lane());
  }

  private lane(): Lane {
    const lane: Lane = {
      worker: new Worker(WORKER_SOURCE, { eval: true }),
      outstanding: 0,
      sent: new Map(),
      broken: false,
    };
    lane.worker.unref();
    lane.worker.on("message", ({ seq, ok }: { seq: number; ok: Uint8Array }) => {
      const batch = lane.sent.get(seq);
      if (!batch) return;
      lane.sent.delete(seq);
      lane.outstanding -= batch.jobs.length;
      for (const [i, resolve] of batch.resolves.entries()) resolve(ok[i] === 1);
    });
    lane.worker.on("error", () => this.fail(lane));
    lane.worker.on("exit", () => this.fail(lane));
    return lane;
  }

  /** A worker died: verify what it held here, and send it nothing more. */
  private fail(lane: Lane): void {
    lane.broken = true;
    for (const { jobs, resolves } of lane.sent.values()) {
      for (const [i, job] of jobs.entries()) resolves[i]?.(nodeVerifyEd25519(...job));
    }
    lane.sent.clear();
    lane.outstanding = 0;
  }

  verify: (publicKey: string, key: Uint8Array, message: Uint8Array, sig: Uint8Array) => Promise<boolean> = (
    publicKey,
    key,
    message,
    sig,
  ) =>
    new Promise((resolve) => {
      this.queued.push([publicKey, key, message, sig]);
      this.resolves.push(resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        // After this I/O phase: every request parsed in it joins the same message.
        setImmediate(() => this.flush());
      }
    });

  private flush(): void {
    this.scheduled = false;
    const jobs = this.queued;
    const resolves = this.resolves;
    this.queued = [];
    this.resolves = [];
    const live = this.lanes.filter((l) => !l.broken);
    if (live.length === 0) {
      for (const [i, job] of jobs.entries()) resolves[i]?.(nodeVerifyEd25519(...job));
      return;
    }
    const lane = live.reduce((a, b) => (b.outstanding < a.outstanding ? b : a));
    const seq = ++this.seq;
    lane.sent.set(seq, { jobs, resolves });
    lane.outstanding += jobs.length;
    lane.worker.postMessage({ seq, jobs });
  }

  async close(): Promise<void> {
    for (const lane of this.lanes) lane.broken = true;
    await Promise.all(this.lanes.map((l) => l.worker.terminate()));
  }
}

let shared: { pool: VerifyPool; users: number } | undefined;

export function verifyPoolActive(): boolean {
  return shared !== undefined;
}

/**
 * Makes `verify` use a pool of `threads` worker threads (shared by every caller in this process);
 * `release()` gives it back, and the last release returns to the calling thread's node:crypto.
 */
export function acquireVerifyPool(threads: number): { release(): Promise<void> } {
  if (!shared) {
    shared = { pool: new VerifyPool(Math.max(1, threads)), users: 0 };
    installNativeVerify(shared.pool.verify);
  }
  shared.users++;
  let released = false;
  return {
    async release() {
      if (released || !shared) return;
      released = true;
      if (--shared.users > 0) return;
      const { pool } = shared;
      shared = undefined;
      installNativeVerify(nodeVerifyEd25519);
      await pool.close();
    },
  };
}

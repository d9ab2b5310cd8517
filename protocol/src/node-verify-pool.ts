/**
 * Ed25519 verification on `worker_threads` (Node only, part of `@quickpay/protocol/node`), so a
 * server's other cores verify while its event loop parses and answers. Jobs queued in one event-loop
 * turn go to a worker as one message (the one with the fewest outstanding), which verifies them with
 * libsodium (as `nodeVerifyEd25519`) and answers with one message. Same accept/reject as
 * `nodeVerifyEd25519`; if a worker fails, its outstanding jobs are verified on the calling thread.
 * Several hosts in one process share one pool: `acquireVerifyPool` / `release` count its users.
 */
import { Worker } from "node:worker_threads";
import { installNativeVerify } from "./crypto";
import { nodeVerifyEd25519, SODIUM_MODULE } from "./node-crypto";

// CommonJS run with `eval: true`: no TypeScript loader needed inside the worker. It loads the same
// libsodium binary as the calling thread (`SODIUM_MODULE`, passed as workerData).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const sodium = require(workerData.sodium);
parentPort.on("message", ({ seq, count, packed }) => {
  const bytes = new Uint8Array(packed);
  const view = new DataView(packed);
  const ok = new Uint8Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const length = view.getUint32(at);
    const key = bytes.subarray(at + 4, at + 36);
    const sig = bytes.subarray(at + 36, at + 100);
    const message = bytes.subarray(at + 100, at + 100 + length);
    at += 100 + length;
    try { ok[i] = sodium.crypto_sign_verify_detached(sig, message, key) ? 1 : 0; } catch { ok[i] = 0; }
  }
  parentPort.postMessage({ seq, ok });
});
`;

/**
 * A batch of jobs as one transferable buffer (no per-job structured clone): for each job its
 * message length (u32), the 32-byte key, the 64-byte signature, then the message.
 */
function pack(jobs: Job[]): ArrayBuffer {
  let size = 0;
  for (const [, , message] of jobs) size += 100 + message.length;
  const packed = new ArrayBuffer(size);
  const bytes = new Uint8Array(packed);
  const view = new DataView(packed);
  let at = 0;
  for (const [, key, message, sig] of jobs) {
    view.setUint32(at, message.length);
    bytes.set(key, at + 4);
    bytes.set(sig, at + 36);
    bytes.set(message, at + 100);
    at += 100 + message.length;
  }
  return packed;
}

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
      worker: new Worker(WORKER_SOURCE, { eval: true, workerData: { sodium: SODIUM_MODULE } }),
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
    // `verify` hands over only 32-byte keys and 64-byte signatures (decodeKey), as `pack` expects.
    if (live.length === 0) {
      for (const [i, job] of jobs.entries()) resolves[i]?.(nodeVerifyEd25519(...job));
      return;
    }
    const lane = live.reduce((a, b) => (b.outstanding < a.outstanding ? b : a));
    const seq = ++this.seq;
    lane.sent.set(seq, { jobs, resolves });
    lane.outstanding += jobs.length;
    const packed = pack(jobs);
    lane.worker.postMessage({ seq, count: jobs.length, packed }, [packed]);
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
 * `release()` gives it back, and the last release returns to the calling thread's libsodium.
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

/**
 * Envelope checks on a worker thread, from the request's raw JSON text. The event loop is the host's
 * busiest thread; besides the signature itself, canonicalising the body, hashing it and decoding the
 * key and signature cost it ≈ 15% of a registration. Here the loop hands over the text it received
 * (a string is cheap to pass), and the thread parses it, computes exactly `envelopeDigests` (the
 * signing bytes and the idempotency fingerprint), verifies the signature with libsodium and answers
 * with `[ok, fingerprint]`. Jobs travel in chunks, one message each way per chunk.
 * Freshness stays on the loop (`assertFresh`), as does everything that decides.
 */
import { parentPort, Worker } from "node:worker_threads";
import { type Envelope, envelopeDigests, verify } from "@quickpay/protocol";
import { useNodeCrypto } from "@quickpay/protocol/node";

type Job = [publicKey: string, text: string];
type Result = [ok: 0 | 1, fingerprint: string];

async function check([publicKey, text]: Job): Promise<Result> {
  try {
    const envelope = JSON.parse(text) as Envelope;
    const { signingBytes, fingerprint } = envelopeDigests(envelope);
    return [(await verify(publicKey, signingBytes, envelope.sig)) ? 1 : 0, fingerprint];
  } catch {
    return [0, ""];
  }
}

/** Runs inside the worker thread (envelope-thread-worker.mjs). */
export function serveEnvelopes(): void {
  const port = parentPort;
  if (!port) throw new Error("serveEnvelopes runs in a worker thread");
  useNodeCrypto();
  port.on("message", async ({ seq, jobs }: { seq: number; jobs: Job[] }) => {
    port.postMessage({ seq, results: await Promise.all(jobs.map(check)) });
  });
}

const ENTRY = new URL("./envelope-thread-worker.mjs", import.meta.url);
/**
 * Jobs per message at most. Under load one I/O phase parses ~60 requests (≈ 5 ms); sent only at
 * its end, the thread idled meanwhile and then held every answer for the whole lot (≈ 9 ms).
 */
const CHUNK = 16;

interface Sent {
  jobs: Job[];
  resolves: ((r: Result) => void)[];
}

/** The event loop's handle. If the thread dies, what it held and everything after is checked here. */
export class EnvelopeThread {
  private readonly worker: Worker;
  private readonly sent = new Map<number, Sent>();
  private queued: Sent = { jobs: [], resolves: [] };
  private scheduled = false;
  private seq = 0;
  private broken = false;

  constructor() {
    this.worker = new Worker(ENTRY);
    this.worker.unref();
    this.worker.on("message", ({ seq, results }: { seq: number; results: Result[] }) => {
      const batch = this.sent.get(seq);
      if (!batch) return;
      this.sent.delete(seq);
      for (const [i, resolve] of batch.resolves.entries()) resolve(results[i]!);
    });
    const fail = () => {
      this.broken = true;
      for (const { jobs, resolves } of this.sent.values()) {
        for (const [i, job] of jobs.entries()) void check(job).then(resolves[i]!);
      }
      this.sent.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", fail);
  }

  /** `ok` and the fingerprint of the envelope whose JSON text is `text`, signed by `publicKey`. */
  check(publicKey: string, text: string): Promise<{ ok: boolean; fingerprint: string }> {
    const job: Job = [publicKey, text];
    const result = this.broken
      ? check(job)
      : new Promise<Result>((resolve) => {
          this.queued.jobs.push(job);
          this.queued.resolves.push(resolve);
          // A full chunk goes at once, so the thread starts while the loop still parses the rest.
          if (this.queued.jobs.length >= CHUNK) this.flush();
          else if (!this.scheduled) {
            this.scheduled = true;
            // After this I/O phase: what is left of the requests parsed in it goes as one message.
            setImmediate(() => {
              this.scheduled = false;
              this.flush();
            });
          }
        });
    return result.then(([ok, fingerprint]) => ({ ok: ok === 1, fingerprint }));
  }

  private flush(): void {
    const batch = this.queued;
    if (batch.jobs.length === 0) return;
    this.queued = { jobs: [], resolves: [] };
    if (this.broken) {
      for (const [i, job] of batch.jobs.entries()) void check(job).then(batch.resolves[i]!);
      return;
    }
    const seq = ++this.seq;
    this.sent.set(seq, batch);
    this.worker.postMessage({ seq, jobs: batch.jobs });
  }

  async close(): Promise<void> {
    this.broken = true;
    await this.worker.terminate();
  }
}

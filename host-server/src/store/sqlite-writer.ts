/**
 * SQLite commits on their own thread. better-sqlite3 is synchronous, so a COMMIT with
 * `synchronous=FULL` blocks its thread for the whole fsync; on the event loop that stopped every
 * request from being parsed, verified or answered meanwhile (a profile at saturation: the loop
 * idle 53% of the time and inside the transaction 17%). The writer thread owns one connection and
 * applies each `apply(writes)` batch in one IMMEDIATE transaction, exactly as the inline store
 * does (same `makeApply`); the event loop keeps its own connection for reads, which WAL lets run
 * beside the writer. Batches are applied in the order they were sent; those that queued while the
 * previous one committed share one transaction.
 */
import { readlinkSync, statSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, receiveMessageOnPort, Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { makeApply } from "./sqlite-apply";
import { makeRows } from "./sqlite-rows";
import type { Outcome, Write } from "./types";

export interface WriterOptions {
  path: string;
  /** `checkpoint`: the thread that copies the WAL back into the database (see `serveCheckpoints`). */
  role?: "writer" | "checkpoint";
  /** After a lull, a WAL larger than this is cut back to nothing (default 64 MiB). */
  walKeepBytes?: number;
}

/**
 * How often the checkpointer copies the WAL back, ms. Each checkpoint ends with an fsync of the
 * database file, which on ext4 shares the journal with the WAL's commit fsyncs: every 500 ms instead
 * of 100 ms, the p99 at 50% load had a median of 22 ms over seven runs against 31 ms over five.
 */
const CHECKPOINT_EVERY_MS = 500;
/** Checkpoint ticks without a new commit before a large WAL is cut back (1 s). */
const LULL_TICKS = 1000 / CHECKPOINT_EVERY_MS;
/** A WAL up to this size is left as it is after a lull. */
const WAL_KEEP_BYTES = 64 * 1024 * 1024;

type Request = { seq: number; writes: Write[] };
type Response = { seq: number; outcomes: Outcome[] } | { seq: number; error: string };

/** Opens a connection the way the store does (the schema is already migrated by the opener). */
export function openConnection(path: string): Database.Database {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  // Several processes (the CLI next to a running host) may share the file: wait rather than fail.
  db.pragma("busy_timeout = 5000");
  // The order-digest index takes random keys: keep 64 MiB of pages cached (default 2 MiB).
  db.pragma("cache_size = -65536");
  return db;
}

/**
 * Checkpoints on their own thread. Random digests make a batch dirty about a page per registration,
 * so SQLite's automatic checkpoint (every ~1000 WAL pages, run inside the COMMIT that crosses it)
 * copied pages back and fsynced the database file in nearly every commit, on the writer's clock.
 * Here a second connection runs PASSIVE checkpoints (which never block the writer) every 500 ms;
 * the writer's own automatic checkpoint is off. A page dirtied by many commits in between is
 * copied once.
 *
 * Under steady load the WAL keeps the size it grew to (SQLite rewrites it from the start once a
 * checkpoint has caught up) and is cut back only after a lull: cutting a WAL of a few hundred MB
 * inside the writer's COMMIT (`journal_size_limit` on the writer) stalled that commit, and every
 * request behind it, for 60–110 ms.
 */
function serveCheckpoints(options: WriterOptions, port: NonNullable<typeof parentPort>): void {
  leaveCpuToRequests();
  const db = openConnection(options.path);
  let lastFrames = -1;
  let quietTicks = 0;
  const tick = () => {
    const [state] = db.pragma("wal_checkpoint(PASSIVE)") as { log: number; checkpointed: number }[];
    const caughtUp = state !== undefined && state.log === state.checkpointed;
    quietTicks = caughtUp && state.log === lastFrames ? quietTicks + 1 : 0;
    lastFrames = state?.log ?? -1;
    if (quietTicks === LULL_TICKS && walBytes(options.path) > (options.walKeepBytes ?? WAL_KEEP_BYTES)) {
      // Blocks a writer that arrives meanwhile for as long as the cut takes: only after a lull.
      db.pragma("wal_checkpoint(TRUNCATE)");
    }
  };
  const timer = setInterval(tick, CHECKPOINT_EVERY_MS);
  port.on("message", (message: "close") => {
    if (message !== "close") return;
    clearInterval(timer);
    db.close();
    port.close();
  });
  port.postMessage({ ready: true });
}

/**
 * Checkpoints are background work, at the lowest CPU priority (nice 19): they run on time the
 * request path leaves, instead of taking one of the two cores from it in 15–45 ms bursts. In six
 * alternating runs the p99 at 50% load went from a median of 38 ms to 24 ms. Linux only (a thread's
 * nice value); elsewhere checkpoints keep the normal priority.
 */
function leaveCpuToRequests(): void {
  try {
    const thread = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(thread) && thread > 0) setPriority(thread, 19);
  } catch {
    // No /proc/thread-self, or not allowed: nothing changes.
  }
}

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

/** Runs inside the worker thread (sqlite-writer-worker.mjs). */
export function serveWriter(options: WriterOptions): void {
  const port = parentPort;
  if (!port) throw new Error("serveWriter runs in a worker thread");
  if (options.role === "checkpoint") {
    serveCheckpoints(options, port);
    return;
  }
  const db = openConnection(options.path);
  // The checkpointer thread does this work (serveCheckpoints); a final checkpoint runs on close.
  db.pragma("wal_autocheckpoint = 0");
  const apply = makeApply(db, makeRows(db));
  type Message = Request | "close" | "autocheckpoint";
  const answer = (request: Request, outcomes: Outcome[]) =>
    port.postMessage({ seq: request.seq, outcomes } satisfies Response);
  const commitAlone = (request: Request) => {
    try {
      answer(request, apply.immediate(request.writes));
    } catch (error) {
      port.postMessage({ seq: request.seq, error: (error as Error).message } satisfies Response);
    }
  };
  // Batches that queued up while the previous transaction committed go into ONE transaction, one
  // fsync; each is answered with its own outcomes after that commit, exactly as if applied in turn.
  const commit = (requests: Request[]) => {
    if (requests.length === 1) return commitAlone(requests[0]!);
    let outcomes: Outcome[];
    try {
      outcomes = apply.immediate(requests.flatMap((r) => r.writes));
    } catch {
      // A fault rolled the whole transaction back: each batch alone, so only the faulty one fails.
      for (const request of requests) commitAlone(request);
      return;
    }
    let at = 0;
    for (const request of requests) {
      answer(request, outcomes.slice(at, at + request.writes.length));
      at += request.writes.length;
    }
  };
  port.on("message", (first: Message) => {
    const requests: Request[] = [];
    let next: Message | undefined = first;
    while (typeof next === "object") {
      requests.push(next);
      next = (receiveMessageOnPort(port) as { message: Message } | undefined)?.message;
    }
    if (requests.length > 0) commit(requests);
    if (next === "autocheckpoint") {
      // The checkpointer is gone: SQLite's own checkpoints take over again.
      db.pragma("wal_autocheckpoint = 1000");
    } else if (next === "close") {
      db.close();
      port.close();
    }
  });
  port.postMessage({ ready: true });
}

const ENTRY = new URL("./sqlite-writer-worker.mjs", import.meta.url);

/** Resolves when a worker has posted its first message (its connection is open). */
function opened(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    worker.once("error", reject);
    worker.once("message", () => {
      worker.off("error", reject);
      resolve();
    });
  });
}

interface Waiting {
  resolve(outcomes: Outcome[]): void;
  reject(error: Error): void;
}

/** The event loop's handle on the writer thread (and its checkpointer). */
export class SqliteWriterThread {
  private worker: Worker | undefined;
  private checkpointer: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private seq = 0;
  private closed = false;
  private broken: Error | undefined;

  constructor(private readonly options: WriterOptions) {}

  /** Starts the writer and checkpointer threads (once) and waits until their connections are open. */
  start(): Promise<void> {
    this.ready ??= this.spawn();
    return this.ready;
  }

  private async spawn(): Promise<void> {
    const worker = new Worker(ENTRY, { workerData: { ...this.options, role: "writer" } });
    const checkpointer = new Worker(ENTRY, { workerData: { ...this.options, role: "checkpoint" } });
    this.worker = worker;
    this.checkpointer = checkpointer;
    worker.on("message", (m: Response | { ready: true }) => {
      if (!("seq" in m)) return;
      const w = this.waiting.get(m.seq);
      if (!w) return;
      this.waiting.delete(m.seq);
      if ("error" in m) w.reject(new Error(m.error));
      else w.resolve(m.outcomes);
    });
    worker.on("error", (error) => this.lost(worker, error));
    worker.on("exit", (code) => this.lost(worker, new Error(`SQLite writer thread exited (${code})`)));
    checkpointer.on("error", () => {});
    checkpointer.on("exit", () => {
      if (this.checkpointer !== checkpointer) return;
      this.checkpointer = undefined;
      this.worker?.postMessage("autocheckpoint");
    });
    await Promise.all([opened(worker), opened(checkpointer)]);
  }

  /**
   * A dead writer's batch rolled back with it: fail what it held (nothing of it was acknowledged).
   * Its connection's locks may outlive it inside this process, so no new writer is started: every
   * later apply fails too, and the host must be restarted (a supervisor's job, as for a crash).
   */
  private lost(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.broken ??= error;
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
  }

  private stopped(): Error {
    return new Error(`the SQLite writer thread stopped (${this.broken?.message}); restart the host`);
  }

  async apply(writes: Write[]): Promise<Outcome[]> {
    if (this.closed) throw new Error("the SQLite store is closed");
    if (this.broken) throw this.stopped();
    await this.start();
    const worker = this.worker;
    if (!worker) throw this.stopped();
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      worker.postMessage({ seq, writes } satisfies Request);
    });
  }

  /** Lets queued batches finish, then closes the writer's connection and ends the thread. */
  async close(): Promise<void> {
    this.closed = true;
    const checkpointer = this.checkpointer;
    this.checkpointer = undefined;
    if (checkpointer) {
      const done = new Promise((resolve) => checkpointer.once("exit", resolve));
      checkpointer.postMessage("close");
      await done;
    }
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    worker.postMessage("close");
    await exited;
  }
}

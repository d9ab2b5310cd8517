/**
 * SQLite commits on their own thread. better-sqlite3 is synchronous, so a COMMIT with
 * `synchronous=FULL` blocks its thread for the whole fsync; on the event loop that stopped every
 * request from being parsed, verified or answered meanwhile (a profile at saturation: the loop
 * idle 53% of the time and inside the transaction 17%). The writer thread owns one connection and
 * applies each `apply(writes)` batch in one IMMEDIATE transaction, exactly as the inline store
 * does (same `makeApply`); the event loop keeps its own connection for reads, which WAL lets run
 * beside the writer. Batches are applied one after another in the order they were sent.
 */
import { parentPort, Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { makeApply } from "./sqlite-apply";
import { makeRows } from "./sqlite-rows";
import type { Outcome, Write } from "./types";

export interface WriterOptions {
  path: string;
  /** `checkpoint`: the thread that copies the WAL back into the database (see `serveCheckpoints`). */
  role?: "writer" | "checkpoint";
}

/** How often the checkpointer looks at the WAL, ms. */
const CHECKPOINT_EVERY_MS = 100;

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
  // After a checkpoint empties the WAL, cut the file back to 64 MiB.
  db.pragma("journal_size_limit = 67108864");
  return db;
}

/**
 * Checkpoints on their own thread. Random digests make a batch dirty about a page per registration,
 * so SQLite's automatic checkpoint (every ~1000 WAL pages, run inside the COMMIT that crosses it)
 * copied pages back and fsynced the database file in nearly every commit, on the writer's clock.
 * Here a second connection runs PASSIVE checkpoints (which never block the writer) every 100 ms;
 * the writer's own automatic checkpoint is off. A page dirtied by many commits in between is
 * copied once.
 */
function serveCheckpoints(options: WriterOptions, port: NonNullable<typeof parentPort>): void {
  const db = openConnection(options.path);
  const timer = setInterval(() => db.pragma("wal_checkpoint(PASSIVE)"), CHECKPOINT_EVERY_MS);
  port.on("message", (message: "close") => {
    if (message !== "close") return;
    clearInterval(timer);
    db.close();
    port.close();
  });
  port.postMessage({ ready: true });
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
  port.on("message", (message: Request | "close" | "autocheckpoint") => {
    if (message === "autocheckpoint") {
      // The checkpointer is gone: SQLite's own checkpoints take over again.
      db.pragma("wal_autocheckpoint = 1000");
      return;
    }
    if (message === "close") {
      db.close();
      port.close();
      return;
    }
    let response: Response;
    try {
      response = { seq: message.seq, outcomes: apply.immediate(message.writes) };
    } catch (error) {
      response = { seq: message.seq, error: (error as Error).message };
    }
    port.postMessage(response);
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

/**
 * `startHost`: opens the store (SQLite file by default, PostgreSQL when `databaseUrl` is given),
 * runs migrations, loads the host key, and listens. `close()` drains pending writes first.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { FRESHNESS_WINDOW_MS } from "@quickpay/protocol";
import { acquireVerifyPool, useNodeCrypto } from "@quickpay/protocol/node";
import { buildApp } from "./app";
import type { HostContext } from "./context";
import { DirectoryCache } from "./directory-cache";
import { EnvelopeThread } from "./envelope-thread";
import { loadHostKey } from "./host-key";
import { isLoopbackBind, type OriginProofOptions, OriginProver } from "./origin-proof";
import { RateLimiter } from "./rate-limit";
import { createSqliteStore } from "./store/sqlite";
import type { HostStore } from "./store/types";
import { WriteQueue } from "./write-queue";

export interface HostOptions {
  /** SQLite file. Omitted (and no databaseUrl): a temp file deleted on close. */
  dbPath?: string;
  /** PostgreSQL connection string; wins over dbPath. */
  databaseUrl?: string;
  port?: number;
  host?: string;
  /** Bearer token for `/v1/admin/*`; random when omitted. */
  operatorToken?: string;
  logLevel?: string;
  /** Clock, injectable for tests. */
  now?: () => Date;
  /** Envelope freshness window, ms (default 5 minutes). */
  windowMs?: number;
  /** Per-player rate limit (default 1000/s sustained, burst 2000). */
  rateLimit?: { perSecond: number; burst: number };
  /** Register Wallet / Register Vendor per client IP (default 50/s sustained, burst 500). */
  registrationRateLimit?: { perSecond: number; burst: number };
  /** Group commit collection window, ms (default 2). */
  groupCommitMs?: number;
  /** Request body limit, bytes (default 2 MiB). */
  bodyLimit?: number;
  /**
   * Worker threads that verify signatures (default: 1 on SQLite when the machine has more than one
   * core, else 0 — on the event loop). The event loop is the host's busiest thread; a signature
   * (≈ 70–100 µs with libsodium here) is the largest single piece of work that can leave it.
   */
  verifyThreads?: number;
  /**
   * Where SQLite commits (default `thread`): a writer thread, so the event loop keeps parsing,
   * verifying and answering while a commit waits for fsync; `inline` commits on the event loop.
   */
  sqliteWriter?: "thread" | "inline";
  /**
   * With signature threads: check envelopes on a thread of their own from the text they came in,
   * canonical JSON and hashing included (default true; envelope-thread.ts). Measured: single
   * registrations 3.0–3.3k → 3.7–4.2k/s at saturation, side by side.
   */
  envelopeThread?: boolean;
  /**
   * Serve plain envelope POSTs straight from node:http, fastify serving the rest (lean-routes.ts;
   * default true).
   */
  leanRoutes?: boolean;
  /**
   * Loopback mode of Register Vendor: loopback origins (127.0.0.0/8, ::1, `localhost` and names under
   * it) may be claimed, over http too, and the host fetches their proofs there. For the demo and
   * tests. Default: on when the host listens on a loopback address, off otherwise; `main.ts` keeps it
   * off unless HOST_LOOPBACK_VENDORS=on (a production host often listens on loopback behind a proxy).
   */
  loopbackVendors?: boolean;
  /** The origin proof's fetch: deadline per origin (5 s), size cap (16 KiB), fetches at once (64). */
  originProof?: Omit<OriginProofOptions, "loopback">;
}

export interface RunningHost {
  url: string;
  operatorToken: string;
  hostId: string;
  close(): Promise<void>;
}

export async function openStore(
  options: Pick<HostOptions, "dbPath" | "databaseUrl" | "sqliteWriter">,
): Promise<HostStore> {
  if (options.databaseUrl) {
    // The PostgreSQL store is loaded only when asked for, so SQLite users never load `pg`.
    // A variable specifier keeps the colleague-owned module out of this file's type graph.
    const specifier = "./store/postgres/index";
    const pg = (await import(/* @vite-ignore */ specifier)) as {
      createPostgresStore(url: string): Promise<HostStore>;
    };
    return pg.createPostgresStore(options.databaseUrl);
  }
  return createSqliteStore({ path: options.dbPath!, writer: options.sqliteWriter ?? "inline" });
}

export async function startHost(options: HostOptions = {}): Promise<RunningHost> {
  // libsodium's Ed25519 and node:crypto's SHA-256 (or the signature thread, below).
  useNodeCrypto();
  let tempDir: string | undefined;
  let dbPath = options.dbPath;
  if (!dbPath && !options.databaseUrl) {
    tempDir = mkdtempSync(join(tmpdir(), "quickpay-host-"));
    dbPath = join(tempDir, "host.db");
  }
  const sqliteWriter = options.sqliteWriter ?? "thread";
  const store = await openStore({ dbPath, databaseUrl: options.databaseUrl, sqliteWriter });
  // An empty batch: the writer thread (if any) is up before the first request, or start fails here.
  await store.apply([]);
  // On SQLite, one signature thread wherever there is a second core. On PostgreSQL it is opt-in: with
  // the envelope thread it raised single registrations at saturation (2.2k → 2.5–3.5k/s) but the
  // pg driver's round trips then queued behind the thread's replies on the loop, and latency at 50%
  // got worse (p50 7–11 → 19–25 ms, p99 17–47 → 75–89 ms).
  const verifyThreads =
    options.verifyThreads ?? (store.kind === "sqlite" && availableParallelism() > 1 ? 1 : 0);
  const verifyPool = verifyThreads > 0 ? acquireVerifyPool(verifyThreads) : undefined;
  // Envelopes go to their own thread with the text they came in (canonical JSON and hashing too);
  // the pool above keeps the other signatures (endorsements in Register Commit).
  const envelopeThread =
    verifyThreads > 0 && (options.envelopeThread ?? true) ? new EnvelopeThread() : undefined;
  const now = options.now ?? (() => new Date());
  const operatorToken = options.operatorToken ?? randomBytes(24).toString("base64url");
  const queue = new WriteQueue(store, {
    delayMs: options.groupCommitMs ?? 2,
    // PostgreSQL commits wait on the network and WAL flush: keep several batches going (its unique
    // keys and digest locks keep them exactly-once). SQLite's writer thread applies batches one after
    // another, in order; up to 8 queue there so it never waits for the busy event loop to collect
    // its last reply (measured: 2 → 8 in flight took single registrations 3.5–4.0k → 4.5k/s and
    // batches of 1000 31k → 38k/s; 16 gave no more). Inline SQLite commits synchronously: one at a time.
    maxInFlight: store.kind === "postgres" ? 4 : sqliteWriter === "thread" ? 8 : 1,
  });
  const ctx: HostContext = {
    store,
    directory: new DirectoryCache(store),
    queue,
    now,
    windowMs: options.windowMs ?? FRESHNESS_WINDOW_MS,
    operatorToken,
    host: await loadHostKey(store, now()),
    limiter: new RateLimiter(options.rateLimit ?? { perSecond: 1000, burst: 2000 }),
    registrationLimiter: new RateLimiter(options.registrationRateLimit ?? { perSecond: 50, burst: 500 }),
    originProver: new OriginProver({
      ...options.originProof,
      loopback: options.loopbackVendors ?? isLoopbackBind(options.host ?? "127.0.0.1"),
    }),
    ...(envelopeThread ? { envelopeThread } : {}),
  };
  const app = await buildApp(ctx, {
    logLevel: options.logLevel ?? process.env.LOG_LEVEL ?? "silent",
    bodyLimit: options.bodyLimit ?? 2 * 1024 * 1024,
    ...(options.leanRoutes === undefined ? {} : { leanRoutes: options.leanRoutes }),
  });
  try {
    await app.listen({ port: options.port ?? 0, host: options.host ?? "127.0.0.1" });
  } catch (error) {
    await store.close();
    await verifyPool?.release();
    await envelopeThread?.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const shownHost = (options.host ?? "127.0.0.1").includes(":")
    ? `[${options.host}]`
    : (options.host ?? "127.0.0.1");
  let closed: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    operatorToken,
    hostId: ctx.host.id,
    close() {
      closed ??= (async () => {
        await app.close();
        await queue.drain();
        await store.close();
        await verifyPool?.release();
        await envelopeThread?.close();
        if (tempDir) rmSync(tempDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}

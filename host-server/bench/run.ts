/**
 * `npm run bench:host` — how fast the System Host records registrations, on SQLite (a temp file)
 * and on PostgreSQL when it is installed (a throwaway cluster). The host runs in this process (and,
 * with BENCH_HOST_WORKERS=n, again as `src/main.ts` with HOST_WORKERS=n: n processes on one port); the
 * load comes from a separate process over loopback HTTP with envelopes signed in advance. Prints a
 * summary and writes `bench/results/host.json` at the repository root. Bounded: ~1 minute a store.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { generateKeyPair, playerIdFor, signEnvelope } from "@quickpay/protocol";
import { sharedProofServer, startHost } from "../src/index";
import { createPostgresStore } from "../src/store/postgres/index";
import { postgresInstalled, startTestCluster } from "../src/store/postgres/test-cluster";
import { createSqliteStore } from "../src/store/sqlite";
import type { HostStore } from "../src/store/types";
import { startHostProcess } from "./host-process";
import { measureHttpFloor } from "./http-floor";
import { LoadGenerator } from "./load-client";
import type { PhaseResult } from "./load-generator";
import { postmasterPid, treeCpuMs } from "./proc-cpu";
import { profiled } from "./profile";
import { round } from "./stats";
import { judgeStorm, type StormUnique } from "./storm";
import { measureVerifyPerSecond } from "./verify-rate";

const RESULTS = fileURLToPath(new URL("../../bench/results/host.json", import.meta.url));
const VENDORS = 16;
// Phase lengths (ms) and sizes: together about a minute per store on 2 cores.
const PLAN = {
  warmupMs: 1_500,
  saturationMs: 6_000,
  // Enough requests in flight that every stage (parse, signature thread, writer thread) has work
  // queued: 64 left the pipeline half idle (3.5k/s at 64 vs 3.7–4.7k/s at 256 in the same hour).
  saturationConcurrency: Number(process.env.BENCH_CONCURRENCY ?? 256),
  halfLoadMs: 6_000,
  // A pause before the fixed-rate phase: it measures the host at 50% load, not its recovery from the
  // overload just before (the checkpointer copying back the WAL saturation left, a major GC).
  settleMs: 2_000,
  batchMs: 4_000,
  // Batches of 1000 in flight (batches of 100: twice as many). A 300 KB envelope holds the loop
  // ~15 ms and its commit the writer ~25 ms; with 8 in flight the two often waited for each other
  // (27–32.5k/s), with 16 both stay busy (32.4–33.2k/s, same hour).
  batchConcurrency: Number(process.env.BENCH_BATCH_CONCURRENCY ?? 16),
  stormUniques: 3_000,
  stormConcurrency: 32,
};

type StoreKind = "sqlite" | "postgres";

interface Backing {
  hostOptions: { dbPath?: string; databaseUrl?: string };
  /** CPU ms the database server has used so far (PostgreSQL only; SQLite runs inside the host). */
  dbCpuMs(): number | undefined;
  /** A second handle on the same data, to check what the host stored. */
  openStore(): Promise<HostStore>;
  cleanup(): Promise<void>;
}

async function backing(kind: StoreKind): Promise<Backing> {
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "qp-bench-"));
    const dbPath = join(dir, "host.db");
    return {
      hostOptions: { dbPath },
      dbCpuMs: () => undefined,
      openStore: async () => createSqliteStore({ path: dbPath }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const cluster = await startTestCluster();
  const pid = postmasterPid(join(cluster.dir, "data"));
  return {
    hostOptions: { databaseUrl: cluster.url },
    dbCpuMs: () => (pid ? treeCpuMs(pid) : undefined),
    openStore: () => createPostgresStore(cluster.url),
    cleanup: () => cluster.stop(),
  };
}

async function registerVendors(url: string) {
  const vendors = [];
  for (let i = 0; i < VENDORS; i++) {
    const keys = generateKeyPair();
    const playerId = playerIdFor("vendor", keys.publicKey);
    const origin = (await sharedProofServer()).originFor(keys.publicKey);
    const envelope = await signEnvelope({ playerId, privateKey: keys.privateKey }, "RegisterVendor", {
      publicKey: keys.publicKey,
      name: `Bench Shop ${i}`,
      origins: [origin],
      endpoint: `${origin}/quickpay`,
    });
    const response = await fetch(`${url}/v1/register-vendor`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(envelope),
    });
    if (!response.ok) throw new Error(`RegisterVendor failed: ${response.status} ${await response.text()}`);
    vendors.push({ playerId, privateKey: keys.privateKey });
  }
  return vendors;
}

const ratio = (perSecond: number, verifyPerSecond: number) => round(perSecond / verifyPerSecond, 2);

/** The host under test: in this process (workers 0), or `src/main.ts` with HOST_WORKERS=n. */
async function hostUnderTest(back: Backing, workers: number) {
  if (workers > 0) {
    const child = await startHostProcess(back.hostOptions, workers);
    return { url: child.url, cpuMs: () => child.cpuMs() ?? 0, close: () => child.stop() };
  }
  const host = await startHost({
    ...back.hostOptions,
    // The per-player limit protects a public host from one noisy sender; the bench IS that sender.
    rateLimit: { perSecond: 1e9, burst: 1e9 },
    ...(process.env.BENCH_GROUP_COMMIT_MS
      ? { groupCommitMs: Number(process.env.BENCH_GROUP_COMMIT_MS) }
      : {}),
    // BENCH_ENVELOPE_THREAD=0 checks envelopes on the event loop (or the plain signature thread).
    ...(process.env.BENCH_ENVELOPE_THREAD === "0" ? { envelopeThread: false } : {}),
    // BENCH_LEAN_ROUTES=0 lets fastify serve every request (lean-routes.ts), for A/B runs.
    ...(process.env.BENCH_LEAN_ROUTES === "0" ? { leanRoutes: false } : {}),
    // BENCH_SQLITE_WRITER=inline commits on the event loop instead of the writer thread (A/B runs).
    ...(process.env.BENCH_SQLITE_WRITER === "inline" ? { sqliteWriter: "inline" as const } : {}),
    // BENCH_VERIFY_THREADS=n overrides the host's default (1 signature thread on a multi-core machine).
    ...(process.env.BENCH_VERIFY_THREADS ? { verifyThreads: Number(process.env.BENCH_VERIFY_THREADS) } : {}),
  });
  // In this process, the host's CPU is this process's CPU (the orchestrator only waits meanwhile).
  const cpuMs = () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  };
  return { url: host.url, cpuMs, close: () => host.close() };
}

async function benchStore(kind: StoreKind, verifyPerSecond: number, workers: number) {
  const label = workers > 0 ? `${kind}, ${workers} workers` : kind;
  const log = (text: string) => console.log(`[${label}] ${text}`);
  const back = await backing(kind);
  const host = await hostUnderTest(back, workers);
  const load = new LoadGenerator();
  try {
    await load.send({ kind: "init", url: host.url, vendors: await registerVendors(host.url) });
    // The host's CPU per phase (it idles while the client prepares, so the total counts the run
    // itself); PostgreSQL's own processes separately.
    const withHostCpu = async (run: () => Promise<PhaseResult>) => {
      const before = host.cpuMs();
      const db0 = back.dbCpuMs();
      const loop0 = performance.eventLoopUtilization();
      const result = await run();
      const loop = performance.eventLoopUtilization(loop0);
      const after = host.cpuMs();
      const db1 = back.dbCpuMs();
      return {
        ...result,
        // The in-process host's event loop: busy ms during the phase (it idles while the client prepares).
        hostLoopBusy: workers > 0 ? undefined : round(loop.active / result.elapsedMs, 2),
        hostCpuMs: Math.round(after - before),
        dbCpuMs: db0 !== undefined && db1 !== undefined ? db1 - db0 : undefined,
      };
    };
    const closed = (batchSize: number, concurrency: number, durationMs: number, maxRequests: number) =>
      withHostCpu(() => load.send({ kind: "closed", batchSize, concurrency, durationMs, maxRequests }));

    const warmup = await closed(1, 32, PLAN.warmupMs, 6_000);
    // BENCH_LATENCY_AT=<rate>: only the fixed-rate phase at that rate, printed, nothing written (for
    // investigating tail latency quickly).
    if (process.env.BENCH_LATENCY_AT) {
      const rate = Number(process.env.BENCH_LATENCY_AT);
      const at = await withHostCpu(() => load.send({ kind: "open", rate, durationMs: 6_000 }));
      // CPU per registration at a fixed rate moves less with the VM's speed than saturation does.
      const perRegistration = (ms: number) =>
        round((ms * 1000) / (at.registrationsPerSecond * (at.elapsedMs / 1000)), 1);
      log(
        `single at ${at.offeredPerSecond}/s offered: p50 ${at.p50Ms} ms p99 ${at.p99Ms} ms, ${at.errors} errors; ` +
          `host ${perRegistration(at.hostCpuMs)} µs CPU per registration (event loop ${perRegistration((at.hostLoopBusy ?? 0) * at.elapsedMs)} µs), ` +
          `client ${perRegistration(at.clientCpuMs)} µs`,
      );
      return undefined;
    }
    // Sign enough for three times the warm-up's rate (signing 80k would cost the client 4 s).
    const enough = Math.min(
      80_000,
      Math.max(6_000, Math.ceil((warmup.registrationsPerSecond * 3 * PLAN.saturationMs) / 1000)),
    );
    const saturation = await profiled(workers > 0 ? undefined : `${kind}-saturation`, () =>
      closed(1, PLAN.saturationConcurrency, PLAN.saturationMs, enough),
    );
    type Measured = PhaseResult & {
      hostCpuMs: number;
      dbCpuMs: number | undefined;
      hostLoopBusy: number | undefined;
    };
    const cores = (p: Measured) =>
      `(host ${round(p.hostCpuMs / p.elapsedMs, 2)} cores${p.hostLoopBusy === undefined ? "" : `, its event loop ${Math.round(p.hostLoopBusy * 100)}% busy`}, client ${round(p.clientCpuMs / p.elapsedMs, 2)}` +
      `${p.dbCpuMs === undefined ? "" : `, postgres ${round(p.dbCpuMs / p.elapsedMs, 2)}`})`;
    const phase = (p: Measured) => ({
      perSecond: p.registrationsPerSecond,
      p50Ms: p.p50Ms,
      p99Ms: p.p99Ms,
      ratioToVerify: ratio(p.registrationsPerSecond, verifyPerSecond),
      // Cores busy on average (1.0 = one core) and CPU per registration, for host and client.
      hostCores: round(p.hostCpuMs / p.elapsedMs, 2),
      ...(p.hostLoopBusy === undefined ? {} : { hostEventLoopBusy: p.hostLoopBusy }),
      clientCores: round(p.clientCpuMs / p.elapsedMs, 2),
      ...(p.dbCpuMs === undefined ? {} : { postgresCores: round(p.dbCpuMs / p.elapsedMs, 2) }),
      hostCpuUsPerRegistration: p.registrations ? round((p.hostCpuMs * 1000) / p.registrations, 1) : null,
      ...(p.errors ? { errors: p.errors, firstError: p.firstError } : {}),
    });
    log(
      `single, saturation: ${saturation.registrationsPerSecond}/s p50 ${saturation.p50Ms} ms p99 ${saturation.p99Ms} ms ${cores(saturation)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, PLAN.settleMs));
    const half = await withHostCpu(() =>
      load.send({
        kind: "open",
        rate: Math.max(10, Math.round(saturation.registrationsPerSecond / 2)),
        durationMs: PLAN.halfLoadMs,
      }),
    );
    log(
      `single, 50% offered (${half.offeredPerSecond}/s): p50 ${half.p50Ms} ms p99 ${half.p99Ms} ms ${cores(half)}`,
    );
    const batched100 = await closed(100, PLAN.batchConcurrency * 2, PLAN.batchMs, 1_500);
    log(`batches of 100: ${batched100.registrationsPerSecond} registrations/s ${cores(batched100)}`);
    const batched1000 = await profiled(workers > 0 ? undefined : `${kind}-batched1000`, () =>
      closed(1000, PLAN.batchConcurrency, PLAN.batchMs, 200),
    );
    log(`batches of 1000: ${batched1000.registrationsPerSecond} registrations/s ${cores(batched1000)}`);

    const storm = await load.send({
      kind: "storm",
      uniques: PLAN.stormUniques,
      concurrency: PLAN.stormConcurrency,
    });
    const check = await back.openStore();
    const verdict = await judgeStorm(storm.plan, storm.replies, async (u: StormUnique) => {
      const digests = [u.facts.orderDigest, ...(u.altered ? [u.altered.orderDigest] : [])];
      const found = [];
      for (const digest of new Set(digests)) {
        for (const r of (await check.getOrder(digest)).registrations) {
          if (r.from === u.from && r.messageId === u.messageId)
            found.push({ orderDigest: digest, micros: r.amount.micros });
        }
      }
      return found;
    });
    await check.close();
    log(`retry storm: ${JSON.stringify(verdict)}`);

    // Scale-out: a second host process on the same PostgreSQL, requests spread over both.
    let scaleOut: Record<string, unknown> | undefined;
    if (back.hostOptions.databaseUrl && workers === 0) {
      const second = await startHostProcess({ databaseUrl: back.hostOptions.databaseUrl });
      try {
        // Its JIT is cold: a short warm-up through it first.
        await load.send({
          kind: "closed",
          batchSize: 1,
          concurrency: 16,
          durationMs: 1_000,
          maxRequests: 2_000,
          alsoUrls: [second.url],
        });
        const cpu0 = second.cpuMs();
        const two = await withHostCpu(() =>
          load.send({
            kind: "closed",
            batchSize: 1,
            concurrency: PLAN.saturationConcurrency,
            durationMs: PLAN.saturationMs,
            maxRequests: enough,
            alsoUrls: [second.url],
          }),
        );
        const cpu1 = second.cpuMs();
        const secondCores =
          cpu0 !== undefined && cpu1 !== undefined ? round((cpu1 - cpu0) / two.elapsedMs, 2) : null;
        scaleOut = { hosts: 2, ...phase(two), secondHostCores: secondCores };
        log(
          `single, two host processes: ${two.registrationsPerSecond}/s p50 ${two.p50Ms} ms p99 ${two.p99Ms} ms ${cores(two)} + second host ${secondCores} cores`,
        );
      } finally {
        await second.stop();
      }
    }

    return {
      store: kind,
      // 0: one host in the bench's own process; n: `HOST_WORKERS=n`, n processes on one port.
      hostWorkers: workers,
      verifyPerSecond,
      verifyLibrary: "libsodium",
      openSslVerifyPerSecond: verifyRates.openssl,
      httpFloor,
      single: {
        // Throughput at saturation; latency at the fixed offered rate of half that (the SLO point).
        perSecond: saturation.registrationsPerSecond,
        p50Ms: half.p50Ms,
        p99Ms: half.p99Ms,
        ratioToVerify: ratio(saturation.registrationsPerSecond, verifyPerSecond),
        saturation: { ...phase(saturation), concurrency: PLAN.saturationConcurrency },
        halfLoad: { ...phase(half), offeredPerSecond: half.offeredPerSecond },
      },
      batched100: phase(batched100),
      batched1000: phase(batched1000),
      retryStorm: verdict,
      ...(scaleOut ? { scaleOut } : {}),
    };
  } finally {
    await load.stop();
    await host.close();
    await back.cleanup();
  }
}

const started = performance.now();
const loadAverageBefore = loadavg().map((l) => round(l, 2));
// The ratios are to the verifier the host uses (libsodium); OpenSSL's rate is shown beside it.
const verifyRates = measureVerifyPerSecond(1_000);
const verifyPerSecond = verifyRates.libsodium;
console.log(
  `native Ed25519 verify, one core: libsodium ${verifyRates.libsodium}/s (the host's), node:crypto/OpenSSL ${verifyRates.openssl}/s`,
);
// HTTP alone on this machine (http-floor.ts): what the host's event loop and the client cannot go below.
// (Not in the latency probe, which writes nothing.)
const httpFloor = process.env.BENCH_LATENCY_AT
  ? undefined
  : await measureHttpFloor(PLAN.saturationConcurrency);
if (httpFloor) {
  console.log(
    `HTTP alone (node:http parsing and answering the same requests, nothing checked or stored): ${httpFloor.perSecond}/s, ` +
      `${httpFloor.serverCpuUsPerRequest} µs of server CPU and ${httpFloor.clientCpuUsPerRequest} µs of client CPU per request`,
  );
}
// BENCH_STORES=sqlite (or postgres) narrows the run, e.g. while profiling one store.
const wanted = (process.env.BENCH_STORES ?? "sqlite,postgres").split(",");
const kinds: StoreKind[] = (["sqlite", "postgres"] as const).filter((k) => wanted.includes(k));
if (kinds.includes("postgres") && !postgresInstalled()) {
  console.log("PostgreSQL is not installed (scripts/ensure-postgres.sh): benchmarking SQLite only");
  kinds.splice(kinds.indexOf("postgres"), 1);
}

// BENCH_HOST_WORKERS=2 also runs each store with HOST_WORKERS=2 (node:cluster); BENCH_ONLY_WORKERS=1
// skips the in-process host.
const extraModes = (process.env.BENCH_HOST_WORKERS ?? "").split(",").filter(Boolean).map(Number);
const workerModes = process.env.BENCH_ONLY_WORKERS ? extraModes : [0, ...extraModes];
const results = [];
for (const kind of kinds) {
  for (const workers of workerModes) {
    const result = await benchStore(kind, verifyPerSecond, workers);
    if (result) results.push(result);
  }
}
if (results.length === 0) {
  console.log("latency probe only: nothing written");
  process.exit(0);
}
const machine = {
  cpus: cpus().length,
  model: cpus()[0]?.model,
  node: process.version,
  // Other work on the machine shares the cores with the bench: its load before and after the run.
  loadAverageBefore,
  loadAverageAfter: loadavg().map((l) => round(l, 2)),
};
const durationSeconds = round((performance.now() - started) / 1000, 1);
const measuredAt = new Date().toISOString();
// One object when one configuration ran; an array of them, one per store and worker mode, otherwise.
const stamped = results.map((r) => ({ ...r, machine, measuredAt, durationSeconds }));
mkdirSync(join(RESULTS, ".."), { recursive: true });
writeFileSync(RESULTS, `${JSON.stringify(stamped.length === 1 ? stamped[0] : stamped, null, 2)}\n`);
console.log(`wrote ${RESULTS} (${durationSeconds}s)`);

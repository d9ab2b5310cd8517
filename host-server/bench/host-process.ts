/**
 * A host as its own OS process (`src/main.ts`): the scale-out phase's second host on PostgreSQL, and
 * `BENCH_HOST_WORKERS=n` runs (HOST_WORKERS=n: n processes sharing one port through node:cluster).
 * Its CPU — the main process and its direct children, i.e. the cluster workers — is read from /proc.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { treeCpuMs } from "./proc-cpu";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

export interface HostProcess {
  url: string;
  /** CPU (user + system) this process and its workers have used so far, in ms; undefined without /proc. */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

export function startHostProcess(
  store: { databaseUrl?: string; dbPath?: string },
  workers = 1,
): Promise<HostProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: {
      ...process.env,
      ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl } : {}),
      ...(store.dbPath ? { HOST_DB: store.dbPath } : {}),
      HOST_PORT: "0",
      HOST_WORKERS: String(workers),
      LOG_LEVEL: "warn",
      ...(process.env.BENCH_VERIFY_THREADS ? { HOST_VERIFY_THREADS: process.env.BENCH_VERIFY_THREADS } : {}),
      // The bench is the one noisy sender the per-player limit exists to stop.
      HOST_RATE_LIMIT: "9999999/9999999",
      // The bench's vendors prove loopback origins (the shared proof server in the bench process).
      HOST_LOOPBACK_VENDORS: "on",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (!m?.[1]) return;
      resolve({
        url: m[1],
        cpuMs: () => (child.pid ? treeCpuMs(child.pid) : undefined),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    });
    child.once("exit", (code) => reject(new Error(`host process exited (${code}) before listening`)));
  });
}

/**
 * `HOST_WORKERS=n` (`--workers n`): n host processes sharing one port through node:cluster, so every
 * core parses, verifies and answers requests. Each worker is a whole host (`startHost`) on the same
 * store; the primary only prepares the store once (migrations, host key), hands every worker the
 * same operator token, and forwards SIGINT/SIGTERM. Exactly-once holds across the workers as it does
 * across separate host processes: on PostgreSQL by its unique keys and digest locks, on SQLite by the
 * file's write lock (a worker waiting for it stalls its own event loop: measure before using it).
 * Rate limits are per worker.
 */
import cluster from "node:cluster";
import { randomBytes } from "node:crypto";
import { loadHostKey } from "./host-key";
import { type HostOptions, openStore, startHost } from "./start";

const TOKEN_ENV = "QUICKPAY_CLUSTER_OPERATOR_TOKEN";

/** Primary: prepare the store, fork `workers` hosts, print one line when all listen. */
export async function runClusterPrimary(options: HostOptions, workers: number): Promise<void> {
  const store = await openStore(options);
  const host = await loadHostKey(store, new Date());
  await store.close();
  const operatorToken = options.operatorToken ?? randomBytes(24).toString("base64url");
  const urls: string[] = [];
  let stopping = false;
  for (let i = 0; i < workers; i++) {
    const worker = cluster.fork({ [TOKEN_ENV]: operatorToken });
    worker.on("message", (m: { listening?: string }) => {
      if (!m.listening) return;
      urls.push(m.listening);
      if (urls.length === workers) {
        console.log(
          `QuickPay host ${host.id} listening on ${urls[0]} (${workers} workers, pid ${process.pid})`,
        );
        if (!options.operatorToken) console.log(`operator token: ${operatorToken}`);
      }
    });
  }
  let alive = workers;
  let exitCode = 0;
  cluster.on("exit", (worker, code) => {
    alive--;
    if (!stopping) {
      // Fail fast: a supervisor restarts the whole host rather than run with fewer workers silently.
      console.error(`quickpay host: worker ${worker.process.pid} exited (${code}); stopping`);
      stop(1);
    }
    if (alive === 0) process.exit(exitCode);
  });
  const stop = (code = 0) => {
    stopping = true;
    exitCode = code;
    for (const w of Object.values(cluster.workers ?? {})) if (!w?.isDead()) w?.process.kill("SIGTERM");
  };
  process.once("SIGINT", () => stop());
  process.once("SIGTERM", () => stop());
}

/** Worker: one whole host on the shared port; tells the primary where it listens. */
export async function runClusterWorker(options: HostOptions): Promise<void> {
  const host = await startHost({
    ...options,
    operatorToken: process.env[TOKEN_ENV] ?? options.operatorToken,
  });
  process.send?.({ listening: host.url });
  const stop = async () => {
    await host.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

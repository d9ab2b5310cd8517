/**
 * A throwaway PostgreSQL cluster for tests and benchmarks, started by `scripts/pg-cluster.sh`.
 * When PostgreSQL is not installed this throws — PostgreSQL tests must fail loudly, never skip;
 * CI runs `scripts/ensure-postgres.sh` first.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const script = fileURLToPath(new URL("../../../../scripts/pg-cluster.sh", import.meta.url));

export interface TestCluster {
  /** `postgres://postgres@127.0.0.1:PORT/quickpay` */
  url: string;
  /** The cluster's directory (`data/` inside holds the server's files and postmaster.pid). */
  dir: string;
  /** Stops the server and deletes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** True when PostgreSQL's server binaries are on this machine (Debian layout or PATH). */
export function postgresInstalled(): boolean {
  const root = "/usr/lib/postgresql";
  if (existsSync(root) && readdirSync(root).some((v) => existsSync(join(root, v, "bin", "initdb"))))
    return true;
  return (process.env.PATH ?? "").split(":").some((dir) => dir && existsSync(join(dir, "initdb")));
}

export async function startTestCluster(): Promise<TestCluster> {
  if (!postgresInstalled()) {
    throw new Error(
      "PostgreSQL is not installed: run `bash scripts/ensure-postgres.sh` (Debian's postgresql package) " +
        "before the PostgreSQL store tests",
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "quickpay-pg-"));
  let out: string;
  try {
    ({ stdout: out } = await run("bash", [script, "start", dir], { timeout: 120_000 }));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const e = error as { stderr?: string; message: string };
    throw new Error(`could not start a PostgreSQL test cluster: ${e.stderr || e.message}`);
  }
  const url = /^DATABASE_URL=(\S+)$/m.exec(out)?.[1];
  if (!url) throw new Error(`pg-cluster.sh printed no DATABASE_URL: ${out}`);
  let stopped = false;
  return {
    url,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await run("bash", [script, "stop", dir], { timeout: 120_000 });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

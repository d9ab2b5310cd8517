/**
 * A second host as its own OS process (`src/main.ts` with DATABASE_URL), for the scale-out phase:
 * two hosts on one PostgreSQL, as deployed behind a load balancer. Its CPU is read from /proc.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

export interface HostProcess {
  url: string;
  /** CPU (user + system) this process has used so far, in ms; undefined where /proc is missing. */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

export function startHostProcess(databaseUrl: string): Promise<HostProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST_PORT: "0",
      LOG_LEVEL: "warn",
      // The bench is the one noisy sender the per-player limit exists to stop.
      HOST_RATE_LIMIT: "9999999/9999999",
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
        cpuMs() {
          try {
            // /proc/<pid>/stat fields 14 and 15: utime and stime in clock ticks (100 per second).
            const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
            return (Number(fields[11]) + Number(fields[12])) * 10;
          } catch {
            return undefined;
          }
        },
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    });
    child.once("exit", (code) => reject(new Error(`second host exited (${code}) before listening`)));
  });
}

/** CPU used by a process tree, from /proc (Linux): for PostgreSQL's postmaster and its backends. */
import { readdirSync, readFileSync } from "node:fs";

// /proc/<pid>/stat after the ") " that ends the command name: state is field 3, ppid 4,
// utime 14 and stime 15 (clock ticks, 100 per second on Linux).
function stat(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = text.slice(text.lastIndexOf(") ") + 2).split(" ");
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

/** CPU ms used so far by `root` and its direct children; undefined where /proc is missing. */
export function treeCpuMs(root: number): number | undefined {
  const own = stat(root);
  if (!own) return undefined;
  let ticks = own.ticks;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s?.ppid === root) ticks += s.ticks;
  }
  return ticks * 10;
}

/** The postmaster's pid from a data directory's postmaster.pid. */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    return Number(readFileSync(`${dataDir}/postmaster.pid`, "utf8").split("\n")[0]);
  } catch {
    return undefined;
  }
}

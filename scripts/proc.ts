/**
 * What the operating system says about the processes and ports a test started: the live members of
 * a process group, a process's run state, loopback listeners, processes carrying a run marker.
 * Linux only (it reads /proc), like every machine this project runs its tests on.
 */
import fs from "node:fs";

/** Zombies are left out: they run nothing and hold no port, and on this VM init reaps them late. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const pid of allPids()) {
    const stat = readStat(pid);
    if (stat && stat.pgrp === pgid && stat.state !== "Z" && stat.state !== "X") members.push(pid);
  }
  return members;
}

/** One letter from /proc/<pid>/stat: R running, S sleeping, T stopped, Z zombie…; undefined when gone. */
export function processState(pid: number): string | undefined {
  return readStat(pid)?.state;
}

/** Sends `signal` to every process of the group; false when the group is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/** The TCP ports among `ports` that something listens on (any address, IPv4 or IPv6). */
export function listeningPorts(ports: readonly number[]): number[] {
  const listening = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = fs.readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; st 0A is TCP_LISTEN.
      if (fields[3] !== "0A" || !fields[1]) continue;
      listening.add(Number.parseInt(fields[1].split(":")[1] ?? "", 16));
    }
  }
  return ports.filter((port) => listening.has(port));
}

/**
 * Polls `condition` until it holds; the error names `what` was awaited. This is waiting for a state,
 * not a sleep: it returns as soon as the condition is true.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let interval = 5;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
    interval = Math.min(interval * 2, 100);
  }
}

/** Waits until no process of the groups is alive and nothing listens on the ports; throws naming what is left. */
export async function waitUntilGone(
  groups: readonly number[],
  ports: readonly number[],
  timeoutMs = 15_000,
): Promise<void> {
  const left = () => ({
    processes: groups.flatMap((pgid) => groupMembers(pgid)),
    ports: listeningPorts(ports),
  });
  try {
    await waitUntil(
      () => {
        const now = left();
        return now.processes.length === 0 && now.ports.length === 0;
      },
      "the processes and ports to be gone",
      timeoutMs,
    );
  } catch {
    const now = left();
    throw new Error(
      `still alive after stopping: processes ${describe(now.processes)}; listeners on ports ${now.ports.join(", ") || "none"}`,
    );
  }
}

/** Live processes whose environment holds `name=value` (a run marker every child inherits). */
export function processesWithEnv(name: string, value: string): { pid: number; command: string }[] {
  const marker = Buffer.from(`${name}=${value}\0`);
  const found: { pid: number; command: string }[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    const state = processState(pid);
    if (state === undefined || state === "Z" || state === "X") continue;
    let environ: Buffer;
    try {
      environ = fs.readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue; // gone, or not ours to read
    }
    // Match whole entries: the marker at the start or right after a NUL.
    for (let at = environ.indexOf(marker); at >= 0; at = environ.indexOf(marker, at + 1)) {
      if (at === 0 || environ[at - 1] === 0) {
        found.push({ pid, command: commandLine(pid) });
        break;
      }
    }
  }
  return found;
}

export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "?";
  }
}

function describe(pids: number[]): string {
  return pids.length === 0 ? "none" : pids.map((pid) => `${pid} (${commandLine(pid)})`).join(", ");
}

function allPids(): number[] {
  return fs
    .readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

function readStat(pid: number): { state: string; pgrp: number } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp …"; comm may contain spaces and parentheses, so split after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0] ?? "?", pgrp: Number(fields[2]) };
}

/**
 * Starts a TypeScript entry (a player in scripts/players/, or the e2e network) as its own OS process
 * and holds it: node with the tsx loader directly (no npx in between, so the pid is the process),
 * detached into its own process group, its output appended to a log in its data dir, its facts and
 * commands over the IPC channel. A handle can kill, stop, suspend and restart it on the same port
 * and the same data.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type {
  CommandArgs,
  CommandMap,
  CommandResult,
  FromPlayer,
  KillSignal,
  PlayerControl,
  PlayerStatus,
  ProcessFacts,
  ToPlayer,
} from "./players/types";
import { groupMembers, processState, signalGroup, waitUntil } from "./proc";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** tsx's loader, by file URL: `--import` resolves a bare name from the cwd, which may be anywhere. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export interface LaunchOptions {
  /** Names the log file and every message about the process. */
  name: string;
  /** The entry, relative to the repo root or absolute. */
  script: string;
  /** QUICKPAY_DATA_DIR; the log goes to `<dataDir>/logs/<name>.log`. */
  dataDir: string;
  /** QUICKPAY_PORT at first start; a free port when omitted. Every restart reuses the port it got. */
  port?: number;
  env?: Record<string, string | undefined>;
  /** QUICKPAY_FAULTS=1: commands and the fault harness (tests only, never the demo). */
  faults?: boolean;
  /** Default 120 s (a cold tsx start of a player takes a few seconds on two busy cores). */
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL; default 15 s. */
  stopTimeoutMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** False when the process died without being told to (a crash, or a fault's own SIGKILL). */
  expected: boolean;
}

interface Running {
  child: ChildProcess;
  pid: number;
  exited: Promise<ExitInfo>;
  expected: boolean;
  done: boolean;
}

interface Pending {
  command: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class ManagedProcess<F extends ProcessFacts, C extends CommandMap> implements PlayerControl<F> {
  readonly name: string;
  readonly logFile: string;
  private fixedPort: number | undefined;
  private lastFacts: F | undefined;
  private current: Running | undefined;
  private isSuspended = false;
  private readonly groupIds: number[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextRequestId = 1;
  private readonly exitListeners: ((info: ExitInfo) => void)[] = [];

  constructor(private readonly options: LaunchOptions) {
    this.name = options.name;
    this.fixedPort = options.port;
    this.logFile = path.join(options.dataDir, "logs", `${options.name}.log`);
  }

  /** The port of the first start, fixed from then on. */
  get port(): number | undefined {
    return this.fixedPort;
  }

  /** The facts of the last start (throws before the first). */
  get facts(): F {
    if (!this.lastFacts) throw new Error(`${this.name} has not started yet`);
    return this.lastFacts;
  }

  get pid(): number | undefined {
    return this.current && !this.current.done ? this.current.pid : undefined;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  get suspended(): boolean {
    return this.isSuspended;
  }

  /** Every process group this handle started, oldest first. */
  get groups(): readonly number[] {
    return this.groupIds;
  }

  /** Called whenever the process exits, told to or not. */
  onExit(listener: (info: ExitInfo) => void): void {
    this.exitListeners.push(listener);
  }

  /** The current process's exit; resolves at once if it is not running. */
  exited(): Promise<ExitInfo> {
    return this.current?.exited ?? Promise.resolve({ code: null, signal: null, expected: true });
  }

  async status(): Promise<PlayerStatus<F>> {
    return {
      name: this.name,
      running: this.running,
      suspended: this.isSuspended,
      pid: this.pid,
      groups: [...this.groupIds],
      port: this.fixedPort,
      facts: this.facts,
      logFile: this.logFile,
    };
  }

  /** Starts the process and resolves with its ready facts; rejects with its log's tail if it dies first. */
  async start(): Promise<F> {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    fs.mkdirSync(path.dirname(this.logFile), { recursive: true });
    const log = fs.openSync(this.logFile, "a");
    fs.writeSync(
      log,
      `\n=== ${new Date().toISOString()} starting ${this.name} (port ${this.fixedPort ?? "free"})\n`,
    );
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, ["--import", tsxLoader, path.resolve(repoRoot, this.options.script)], {
        cwd: repoRoot,
        env: this.childEnv(),
        detached: true,
        stdio: ["ignore", log, log, "ipc"],
        serialization: "advanced",
      });
    } finally {
      fs.closeSync(log);
    }
    const pid = child.pid;
    if (pid === undefined) {
      const error = await new Promise<Error>((resolve) => child.once("error", resolve));
      throw new Error(`${this.name} could not be started: ${error.message}`);
    }
    const running: Running = {
      child,
      pid,
      expected: false,
      done: false,
      exited: new Promise((resolve) => {
        child.once("exit", (code, signal) => {
          running.done = true;
          this.isSuspended = false;
          const info = { code, signal, expected: running.expected };
          if (!info.expected) this.note(`exited unexpectedly (${signal ?? `code ${code}`})`);
          this.failPending(`${this.name} exited (${signal ?? `code ${code}`})`);
          for (const listener of this.exitListeners) listener(info);
          resolve(info);
        });
      }),
    };
    this.current = running;
    this.groupIds.push(pid);
    child.on("message", (message: FromPlayer) => this.receive(message));

    const facts = await this.untilReady(running);
    if (this.fixedPort === undefined && facts.port !== undefined) this.fixedPort = facts.port;
    this.lastFacts = facts;
    return facts;
  }

  async kill(signal: KillSignal = "SIGKILL"): Promise<void> {
    const running = this.current;
    if (!running || running.done) return;
    if (signal === "SIGSTOP") return this.suspend();
    if (signal === "SIGCONT") return this.resume();
    running.expected = true;
    this.note(`${signal} to the process group ${running.pid}`);
    signalGroup(running.pid, signal);
    if (signal === "SIGKILL") await this.untilGroupGone(running);
  }

  async stop(): Promise<void> {
    const running = this.current;
    if (!running) return;
    if (!running.done) {
      running.expected = true;
      running.child.kill("SIGTERM");
      // A stopped process handles SIGTERM only once it runs again.
      if (this.isSuspended) signalGroup(running.pid, "SIGCONT");
      const timeout = new Promise<"timeout">((resolve) =>
        setTimeout(() => resolve("timeout"), this.options.stopTimeoutMs ?? 15_000).unref(),
      );
      if ((await Promise.race([running.exited, timeout])) === "timeout") {
        this.note(`did not stop within the grace period; SIGKILL`);
      }
    }
    // Whatever is left of the group (the leader after a timeout, a child it spawned) goes now.
    await this.untilGroupGone(running);
  }

  async restart(): Promise<F> {
    await this.stop();
    return this.start();
  }

  async suspend(): Promise<void> {
    const running = this.requireRunning("suspend");
    signalGroup(running.pid, "SIGSTOP");
    this.isSuspended = true;
    await waitUntil(
      () => running.done || processState(running.pid) === "T",
      `${this.name} to stop (SIGSTOP)`,
    );
  }

  async resume(): Promise<void> {
    const running = this.requireRunning("resume");
    signalGroup(running.pid, "SIGCONT");
    this.isSuspended = false;
    await waitUntil(
      () => running.done || processState(running.pid) !== "T",
      `${this.name} to run again (SIGCONT)`,
    );
  }

  /** A typed command to the process (it must run with `faults`); rejects with the process's error. */
  request<K extends keyof C & string>(command: K, args: CommandArgs<C[K]>): Promise<CommandResult<C[K]>> {
    const running = this.requireRunning(command);
    const id = this.nextRequestId++;
    const message: ToPlayer = { kind: "request", id, command, args };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { command, resolve: resolve as (value: unknown) => void, reject });
      running.child.send(message, (error) => {
        if (!error) return;
        this.pending.delete(id);
        reject(new Error(`${this.name}: could not send ${command}: ${error.message}`));
      });
    });
  }

  /** The last lines of the log, for error messages. */
  logTail(lines = 40): string {
    try {
      return fs.readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  /** Messages other than ready and replies (the shop's fault reports); for subclasses. */
  protected onMessage(_message: FromPlayer): void {}

  private receive(message: FromPlayer): void {
    if (message.kind === "reply") {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (message.ok) pending.resolve(message.result);
      else pending.reject(new Error(`${this.name} refused ${pending.command}: ${message.error.message}`));
      return;
    }
    this.onMessage(message);
  }

  private untilReady(running: Running): Promise<F> {
    const timeoutMs = this.options.readyTimeoutMs ?? 120_000;
    return new Promise<F>((resolve, reject) => {
      const onMessage = (message: FromPlayer) => {
        if (message.kind !== "ready") return;
        settle();
        resolve(message.facts as F);
      };
      const timer = setTimeout(() => {
        settle();
        running.expected = true;
        void this.untilGroupGone(running).finally(() =>
          reject(new Error(`${this.name} was not ready within ${timeoutMs} ms\n${this.logTail()}`)),
        );
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        running.child.off("message", onMessage);
      };
      running.child.on("message", onMessage);
      // After ready this rejects a settled promise: a no-op.
      void running.exited.then((info) => {
        settle();
        reject(
          new Error(
            `${this.name} exited before it was ready (${info.signal ?? `code ${info.code}`}); ${this.logFile}:\n${this.logTail()}`,
          ),
        );
      });
    });
  }

  /** SIGKILLs what is left of the process's group and waits until none of it is alive. */
  private async untilGroupGone(running: Running): Promise<void> {
    running.expected = true;
    if (groupMembers(running.pid).length > 0) signalGroup(running.pid, "SIGKILL");
    await running.exited;
    await waitUntil(() => groupMembers(running.pid).length === 0, `${this.name}'s process group to be gone`);
  }

  private requireRunning(what: string): Running {
    const running = this.current;
    if (!running || running.done) throw new Error(`${this.name} is not running (asked to ${what})`);
    return running;
  }

  private failPending(why: string): void {
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(new Error(`${why} before answering ${pending.command}`));
    }
  }

  private childEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...this.options.env,
      QUICKPAY_DATA_DIR: this.options.dataDir,
      QUICKPAY_PORT: String(this.fixedPort ?? 0),
      QUICKPAY_FAULTS: this.options.faults ? "1" : "0",
    };
    // The parent's own loaders (Playwright's, Vitest's) have no business in a player: tsx is its loader.
    delete env.NODE_OPTIONS;
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
    return env;
  }

  private note(text: string): void {
    try {
      fs.appendFileSync(this.logFile, `=== ${new Date().toISOString()} ${text}\n`);
    } catch {
      // the log is a convenience
    }
  }
}

/** The orchestrator's handle on the load-generator process: fork it, send commands, await replies. */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Command, PhaseResult, StormSent } from "./load-generator";

const SCRIPT = fileURLToPath(new URL("./load-generator.ts", import.meta.url));

type Reply<C extends Command> = C["kind"] extends "closed" | "open"
  ? PhaseResult
  : C["kind"] extends "storm"
    ? StormSent
    : { ok: true };

export class LoadGenerator {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly child: ChildProcess;

  constructor() {
    this.child = fork(SCRIPT, [], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.child.on("message", (m: { seq: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.seq);
      if (!w) return;
      this.waiting.delete(m.seq);
      if (m.error) w.reject(new Error(`load generator: ${m.error}`));
      else w.resolve(m.result);
    });
    this.child.on("exit", (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`load generator exited (${code})`));
      this.waiting.clear();
    });
  }

  send<C extends Command>(command: C): Promise<Reply<C>> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ seq, command });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    await this.send({ kind: "exit" }).catch(() => {});
    await exited;
  }
}

/**
 * The life of one player process, shared by every entry in scripts/players/: read its settings from
 * the environment, start, print one ready line and tell the parent, answer the parent's commands
 * (only with QUICKPAY_FAULTS=1), and stop cleanly on SIGTERM, SIGINT or when the parent goes away.
 */
import path from "node:path";
import type { CommandHandlers, CommandMap, FromPlayer, ProcessFacts, ToPlayer } from "./types";

/** A player's settings, from the environment the launcher (scripts/processes.ts) sets. */
export interface PlayerEnv {
  /** QUICKPAY_PORT; 0 (a free port) when unset. */
  port: number;
  /** QUICKPAY_DATA_DIR: where the player keeps its files (absolute). */
  dataDir: string;
  /** QUICKPAY_HOST_URL: the System Host (players other than the host). */
  hostUrl: string | undefined;
  /** QUICKPAY_OPERATOR_TOKEN: the host's operator bearer token. */
  operatorToken: string | undefined;
  /** QUICKPAY_FAULTS=1: a test harness runs this process; commands and faults are on. */
  faults: boolean;
  /** LOG_LEVEL, default "warn". */
  logLevel: string;
}

export interface StartedPlayer<F extends ProcessFacts, C extends CommandMap> {
  facts: F;
  close(): Promise<void>;
  commands?: CommandHandlers<C>;
}

/** How long a clean stop may take before the process exits anyway. */
const CLOSE_GRACE_MS = 10_000;

export function readPlayerEnv(env: NodeJS.ProcessEnv = process.env): PlayerEnv {
  const rawPort = env.QUICKPAY_PORT ?? "0";
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`QUICKPAY_PORT must be a port number (0–65535), got "${rawPort}"`);
  }
  const dataDir = env.QUICKPAY_DATA_DIR;
  if (!dataDir) throw new Error("QUICKPAY_DATA_DIR is not set: where should this player keep its data?");
  return {
    port,
    dataDir: path.resolve(dataDir),
    hostUrl: env.QUICKPAY_HOST_URL || undefined,
    operatorToken: env.QUICKPAY_OPERATOR_TOKEN || undefined,
    faults: env.QUICKPAY_FAULTS === "1",
    logLevel: env.LOG_LEVEL || "warn",
  };
}

export function requireSetting(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** Sends a message to the parent and resolves once it is written (or at once without a parent). */
export function tellParent(message: FromPlayer): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

export async function runPlayer<F extends ProcessFacts, C extends CommandMap>(
  name: string,
  start: (env: PlayerEnv) => Promise<StartedPlayer<F, C>>,
): Promise<void> {
  let env: PlayerEnv;
  let player: StartedPlayer<F, C>;
  try {
    env = readPlayerEnv();
    player = await start(env);
  } catch (error) {
    console.error(`${name}: could not start:`, error);
    process.exit(1);
  }

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${name}: stopping (${why})`);
    setTimeout(() => {
      console.error(`${name}: did not stop within ${CLOSE_GRACE_MS} ms; exiting`);
      process.exit(1);
    }, CLOSE_GRACE_MS).unref();
    try {
      await player.close();
      process.exit(0);
    } catch (error) {
      console.error(`${name}: stopping failed:`, error);
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  // Never outlive the parent: its IPC channel closes when it exits, however it exits.
  process.on("disconnect", () => void stop("the parent is gone"));

  process.on("message", (raw: unknown) => {
    const message = raw as ToPlayer;
    if (message?.kind !== "request") return;
    void answer(message, env.faults ? player.commands : undefined, name);
  });

  console.log(`QUICKPAY_READY ${JSON.stringify({ player: name, ...player.facts })}`);
  await tellParent({ kind: "ready", facts: player.facts });
}

async function answer<C extends CommandMap>(
  request: ToPlayer,
  commands: CommandHandlers<C> | undefined,
  name: string,
): Promise<void> {
  try {
    if (!commands) throw new Error(`${name} takes commands only when started with QUICKPAY_FAULTS=1`);
    const table = commands as unknown as Record<string, ((args: unknown) => Promise<unknown>) | undefined>;
    const handler = Object.hasOwn(table, request.command) ? table[request.command] : undefined;
    if (!handler) throw new Error(`${name} has no command "${request.command}"`);
    const result = await handler(request.args);
    await tellParent({ kind: "reply", id: request.id, ok: true, result: result ?? null });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await tellParent({ kind: "reply", id: request.id, ok: false, error: { message } });
  }
}

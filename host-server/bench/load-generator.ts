/**
 * The benchmark's load generator, a separate process from the host (forked by run.ts, commands over
 * IPC). It signs every envelope and opens its connections BEFORE a phase's clock starts, then drives
 * the host over loopback HTTP: closed loop (N requests in flight, for saturation), open loop (a fixed
 * offered rate, latency measured from each request's scheduled time so a slow host cannot hide its
 * queueing), and the retry storm (duplicates, concurrent duplicates, altered bodies under reused ids).
 */
import { HostClient } from "./http-client";
import {
  type Facts,
  type PreparedRequest,
  randomFacts,
  registerDelivery,
  registerDeliveryBatch,
} from "./messages";
import { type FastSigner, fastSigner } from "./sign-fast";
import { percentile, perSecond } from "./stats";
import { planStorm, type StormPlan, type StormSend } from "./storm";

export type Command =
  | { kind: "init"; url: string; vendors: { playerId: string; privateKey: string }[] }
  | {
      kind: "closed";
      batchSize: number;
      concurrency: number;
      durationMs: number;
      maxRequests: number;
      /** More hosts (same database) to spread requests over, round robin with the first. */
      alsoUrls?: string[];
    }
  | { kind: "open"; rate: number; durationMs: number }
  | { kind: "storm"; uniques: number; concurrency: number }
  | { kind: "exit" };

export interface PhaseResult {
  requests: number;
  registrations: number;
  ok: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  requestsPerSecond: number;
  registrationsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Open loop only: the rate asked for and the rate actually offered. */
  offeredPerSecond?: number;
  /** CPU this load-generator process used during the phase, in ms (user + system). */
  clientCpuMs: number;
}

export interface StormSent {
  plan: StormPlan;
  /** Per send (same order as plan.sends): HTTP status and reply body. */
  replies: { status: number; body: string }[];
  elapsedMs: number;
}

/**
 * Connections open before a fixed-rate phase starts (as many as the saturation phase uses): it
 * opens more only if more requests than that are ever in flight.
 */
const OPEN_LOOP_CONNECTIONS = 256;

let client: HostClient | undefined;
let vendors: FastSigner[] = [];

function need(): HostClient {
  if (!client) throw new Error("load generator not initialised");
  return client;
}

/** A request signed and encoded to its HTTP bytes before the clock starts. */
type Ready = PreparedRequest & { wire: Buffer };

function prepare(count: number, batchSize: number): Ready[] {
  const http = need();
  const out: Ready[] = [];
  for (let i = 0; i < count; i++) {
    const vendor = vendors[i % vendors.length] as FastSigner;
    let r: PreparedRequest;
    if (batchSize === 1) r = registerDelivery(vendor, randomFacts(vendor.playerId));
    else {
      const facts: Facts[] = Array.from({ length: batchSize }, () => randomFacts(vendor.playerId));
      r = registerDeliveryBatch(vendor, facts);
    }
    out.push({ ...r, wire: http.encodePost(r.path, r.body) });
  }
  return out;
}

/** CPU this process used since `since` (a process.cpuUsage() taken after preparing), in ms. */
function cpuMsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / 1000);
}

function summarise(
  latencies: number[],
  ok: number,
  errors: number,
  firstError: string | undefined,
  elapsedMs: number,
  batchSize: number,
  clientCpuMs: number,
): PhaseResult {
  const requests = ok + errors;
  return {
    clientCpuMs,
    requests,
    registrations: ok * batchSize,
    ok,
    errors,
    ...(firstError ? { firstError } : {}),
    elapsedMs: Math.round(elapsedMs),
    requestsPerSecond: perSecond(ok, elapsedMs),
    registrationsPerSecond: perSecond(ok * batchSize, elapsedMs),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

/** N workers, each sending its next request as soon as the last is answered. */
async function closedLoop(
  c: Extract<Command, { kind: "closed" }>,
): Promise<Omit<PhaseResult, "clientCpuMs">> {
  const clients = [need(), ...(c.alsoUrls ?? []).map((url) => new HostClient(url, 512))];
  const requests = prepare(c.maxRequests, c.batchSize);
  // Every worker may be waiting on the same host: each gets as many connections, opened up front.
  await Promise.all(clients.map((http) => http.connect(c.concurrency)));
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + c.durationMs;
  const worker = async () => {
    while (next < requests.length && performance.now() < end) {
      const http = clients[next % clients.length] as HostClient;
      const r = requests[next++] as Ready;
      const t = performance.now();
      try {
        const reply = await http.sendEncoded(r.wire);
        latencies.push(performance.now() - t);
        if (reply.status === 200) ok++;
        else {
          errors++;
          firstError ??= `${reply.status} ${reply.body.slice(0, 300)}`;
        }
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: c.concurrency }, worker));
  const elapsed = performance.now() - start;
  for (const extra of clients.slice(1)) extra.close();
  return summarise(latencies, ok, errors, firstError, elapsed, c.batchSize, cpuMsSince(cpu));
}

/** A fixed offered rate: request i is due at start + i/rate, whatever happened to earlier ones. */
async function openLoop(c: Extract<Command, { kind: "open" }>): Promise<PhaseResult> {
  const http = need();
  const total = Math.max(1, Math.round((c.rate * c.durationMs) / 1000));
  const requests = prepare(total, 1);
  await http.connect(OPEN_LOOP_CONNECTIONS);
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  let sent = 0;
  const trace: [number, number][] = [];
  const inFlight = new Set<Promise<void>>();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const interval = 1000 / c.rate;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      while (sent < due) {
        const r = requests[sent] as Ready;
        const scheduled = start + sent * interval;
        sent++;
        const p = http.sendEncoded(r.wire).then(
          (reply) => {
            latencies.push(performance.now() - scheduled);
            if (process.env.BENCH_TRACE) trace.push([scheduled - start, performance.now() - scheduled]);
            if (reply.status === 200) ok++;
            else {
              errors++;
              firstError ??= `${reply.status} ${reply.body.slice(0, 300)}`;
            }
          },
          (error: Error) => {
            errors++;
            firstError ??= error.message;
          },
        );
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const offeredMs = performance.now() - start;
  await Promise.all(inFlight);
  if (process.env.BENCH_TRACE) {
    const worst = new Map<number, number>();
    for (const [t, l] of trace) {
      const w = Math.floor(t / 100);
      worst.set(w, Math.max(worst.get(w) ?? 0, l));
    }
    const line = [...worst].map(([w, l]) => `${w}:${Math.round(l)}`).join(" ");
    console.error(`worst latency per 100 ms window: ${line}`);
  }
  const result = summarise(latencies, ok, errors, firstError, performance.now() - start, 1, cpuMsSince(cpu));
  return { ...result, offeredPerSecond: perSecond(total, offeredMs) };
}

/** Sends the storm's plan: groups go out with `concurrency` in flight; a group's sends go at once. */
async function storm(c: Extract<Command, { kind: "storm" }>): Promise<StormSent> {
  const http = need();
  const plan = planStorm(vendors, c.uniques);
  const replies: { status: number; body: string }[] = new Array(plan.sends.length);
  const start = performance.now();
  for (const wave of plan.waves) {
    let next = 0;
    const worker = async () => {
      while (next < wave.length) {
        const group = wave[next++] as number[];
        await Promise.all(
          group.map(async (i) => {
            const send = plan.sends[i] as StormSend;
            try {
              replies[i] = await http.post(send.request.path, send.request.body);
            } catch (error) {
              replies[i] = { status: 0, body: (error as Error).message };
            }
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: c.concurrency }, worker));
  }
  return { plan, replies, elapsedMs: Math.round(performance.now() - start) };
}

async function handle(command: Command): Promise<unknown> {
  switch (command.kind) {
    case "init":
      client?.close();
      client = new HostClient(command.url, 512);
      vendors = command.vendors.map((v) => fastSigner(v.playerId, v.privateKey));
      return { ok: true };
    case "closed":
      return closedLoop(command);
    case "open":
      return openLoop(command);
    case "storm":
      return storm(command);
    case "exit":
      client?.close();
      setImmediate(() => process.exit(0));
      return { ok: true };
  }
}

process.on("message", (message: { seq: number; command: Command }) => {
  handle(message.command).then(
    (result) => process.send?.({ seq: message.seq, result }),
    (error: Error) => process.send?.({ seq: message.seq, error: error.stack ?? error.message }),
  );
});

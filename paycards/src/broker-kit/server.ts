/** A broker's HTTP server on fastify 5: its ledger, the host directory, the outbox and the routes. */
import {
  DirectoryClient,
  type FetchLike,
  fastifyErrorOptions,
  type KeyPair,
  parseJson,
  playerIdFor,
} from "@quickpay/protocol";
import Fastify, { type FastifyInstance } from "fastify";
import { type ConsumedApprovals, consumeHostApprovals } from "./approvals";
import { type Broker, type BrokerSettings, defaultBrokerSettings } from "./context";
import { installErrorHandlers } from "./http-errors";
import { Ledger, type ReleasedHolds } from "./ledger";
import { CommitOutbox, type CommitOutboxOptions, type DrainResult } from "./outbox-sender";
import type { AnswerPolicy } from "./policy";
import { registerBrokerRoutes } from "./routes";

const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60_000;

export interface BrokerServerOptions {
  hostUrl: string;
  /** The broker's own key pair; its id is derived from the public key (`b_…`). */
  key: KeyPair;
  /** An open ledger, or a file to open (the server closes a ledger it opened). */
  ledger?: Ledger;
  dbPath?: string;
  policy: AnswerPolicy;
  moduleIds: string[];
  settings?: Partial<Omit<BrokerSettings, "moduleIds">>;
  port?: number;
  host?: string;
  now?: () => Date;
  fetch?: FetchLike;
  /** pino level; quiet ("silent") unless given. */
  logLevel?: string;
  directoryTtlMs?: number;
  /** The Register Commit / Register Settlement sender: its retry policy, jitter source and give-up hook. */
  outbox?: Pick<CommitOutboxOptions, "policy" | "random" | "onGiveUp">;
  /** How often host approvals are fetched from the broker's mailbox and paid; default 30 s, 0 = never. */
  approvalPollMs?: number;
  /**
   * How often lapsed holds are released without waiting for a read that needs them (every such
   * read releases them too); default 60 s, 0 = never.
   */
  holdSweepMs?: number;
}

export interface RunningBrokerServer {
  url: string;
  brokerId: string;
  publicKey: string;
  broker: Broker;
  ledger: Ledger;
  app: FastifyInstance;
  /** Sends every unacknowledged Register Commit now (tests wait on this instead of sleeping). */
  flushOutbox(): Promise<DrainResult>;
  /** Fetches host approvals from the mailbox now and pays those not settled yet (one run at a time). */
  consumeApprovals(): Promise<ConsumedApprovals>;
  /** Releases lapsed holds now — what the periodic sweep does. */
  sweepHolds(): ReleasedHolds;
  close(): Promise<void>;
}

/** The host-approval consumer of one broker: one run at a time, polled once the server listens. */
export interface ApprovalConsumer {
  consume(): Promise<ConsumedApprovals>;
  poll?: NodeJS.Timeout;
}

/** The lapsed-hold sweep of one broker, run periodically once the server listens. */
export interface HoldSweeper {
  sweep(): ReleasedHolds;
  timer?: NodeJS.Timeout;
}

export function createBroker(options: BrokerServerOptions): {
  app: FastifyInstance;
  broker: Broker;
  approvals: ApprovalConsumer;
  holds: HoldSweeper;
} {
  if (!options.ledger && !options.dbPath) throw new Error("a broker needs a ledger or a dbPath");
  const ledger = options.ledger ?? Ledger.open(options.dbPath!);
  const now = options.now ?? (() => new Date());
  const brokerId = playerIdFor("broker", options.key.publicKey);
  const app = Fastify({
    logger: { level: options.logLevel ?? "silent" },
    // fastify stops reading a body (chunked too) at the limit and answers 413 with `Connection: close`.
    bodyLimit: 64 * 1024,
    // What node's HTTP parser cannot read and what fastify refuses before routing get the
    // project's shape (with `Connection: close` where the connection cannot go on).
    ...fastifyErrorOptions,
  });
  // The protocol's one JSON parser (I-JSON: a repeated key, a prototype-poisoning key or deep
  // nesting is invalid_request), so the broker reads a message as its signer wrote it.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    let parsed: unknown;
    try {
      parsed = parseJson(body as string);
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    done(null, parsed);
  });
  const broker: Broker = {
    brokerId,
    key: options.key,
    hostUrl: options.hostUrl,
    ledger,
    directory: new DirectoryClient(options.hostUrl, {
      ...(options.directoryTtlMs === undefined ? {} : { ttlMs: options.directoryTtlMs }),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      now: () => now().getTime(),
    }),
    policy: options.policy,
    outbox: new CommitOutbox({
      ledger,
      hostUrl: options.hostUrl,
      signer: { playerId: brokerId, privateKey: options.key.privateKey },
      ...(options.fetch ? { fetch: options.fetch } : {}),
      now: () => now().getTime(),
      ...options.outbox,
      logger: app.log,
    }),
    settings: {
      ...defaultBrokerSettings,
      ...options.settings,
      moduleIds: options.moduleIds,
    },
    now,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  installErrorHandlers(app);
  app.get("/v1/health", async () => ({ ok: true, brokerId }));
  registerBrokerRoutes(app, broker);
  // Replies are remembered a day: far beyond the 5-minute freshness window, so a replayed message
  // is refused as stale before its id could be forgotten.
  const prune = setInterval(
    () => ledger.idempotency.prune(now().getTime() - IDEMPOTENCY_RETENTION_MS),
    60 * 60_000,
  );
  prune.unref();
  // One consumer at a time: the poll and an explicit call never fetch the same page concurrently.
  let consuming: Promise<unknown> = Promise.resolve();
  const approvals: ApprovalConsumer = {
    consume() {
      const run = consuming.then(() => consumeHostApprovals(broker));
      consuming = run.catch(() => undefined);
      return run;
    },
  };
  const holds: HoldSweeper = {
    sweep() {
      const released = ledger.commitments.releaseExpired(now().getTime());
      if (released.unsettled.length > 0) {
        // The vendor claimed these but never settled them in time: the shopper got the money back.
        app.log.warn(
          { commitIds: released.unsettled, settleWithinMs: broker.settings.settleWithinMs },
          "released claimed holds that were not settled in time",
        );
      }
      return released;
    },
  };
  app.addHook("onClose", async () => {
    clearInterval(prune);
    if (approvals.poll) clearInterval(approvals.poll);
    if (holds.timer) clearInterval(holds.timer);
    await consuming;
    await broker.outbox.stop();
    if (!options.ledger) ledger.close();
  });
  return { app, broker, approvals, holds };
}

/**
 * Listens on 127.0.0.1 (a free port unless given) and starts the outbox sender, the host-approval
 * poll and the lapsed-hold sweep (timers that never keep the process alive, stopped on close).
 */
export async function startBroker(options: BrokerServerOptions): Promise<RunningBrokerServer> {
  const { app, broker, approvals, holds } = createBroker(options);
  const address = await app.listen({ port: options.port ?? 0, host: options.host ?? "127.0.0.1" });
  broker.outbox.start();
  const pollMs = options.approvalPollMs ?? 30_000;
  if (pollMs > 0) {
    approvals.poll = setInterval(() => {
      approvals.consume().catch((error) => app.log.warn({ err: error }, "consuming host approvals failed"));
    }, pollMs);
    approvals.poll.unref();
  }
  const sweepMs = options.holdSweepMs ?? 60_000;
  if (sweepMs > 0) {
    holds.timer = setInterval(() => {
      try {
        holds.sweep();
      } catch (error) {
        app.log.error({ err: error }, "releasing lapsed holds failed");
      }
    }, sweepMs);
    holds.timer.unref();
  }
  return {
    url: address.replace("[::1]", "127.0.0.1"),
    brokerId: broker.brokerId,
    publicKey: broker.key.publicKey,
    broker,
    ledger: broker.ledger,
    app,
    flushOutbox: () => broker.outbox.drain({ all: true }),
    consumeApprovals: approvals.consume,
    sweepHolds: holds.sweep,
    close: () => app.close(),
  };
}

/**
 * The outbox (DESIGN §2): Wallet → Host messages are written to IndexedDB first and resent until the
 * host acknowledges them, always under the same message id, so neither a dead service worker nor a
 * browser restart loses or doubles one. Each send re-signs the envelope with a fresh `at` (the host
 * treats the same id with the same type and body as a repeat), because a message may wait longer than
 * the freshness window.
 */
import type { Json } from "@quickpay/paycards";
import {
  type FetchLike,
  newMessageId,
  QuickPayError,
  type ReplyOf,
  type Signer,
  sendMessage,
  signEnvelope,
} from "@quickpay/protocol";
import type { OutboxItem, OutboxType, WalletDatabase } from "./db";

/** First retry after 2 s, doubling up to 10 minutes: gentle on a host that is down for a while. */
export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_MAX_MS = 10 * 60_000;

export function backoffMs(attempts: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1), BACKOFF_MAX_MS);
}

/**
 * Errors worth retrying: the host was unreachable, broke, throttled us, or (for messages queued before
 * registration finished) does not know this wallet yet. Anything else will never succeed as sent.
 */
const TRANSIENT = new Set([
  "host_unreachable",
  "internal",
  "rate_limited",
  "stale_message",
  "unknown_player",
  "not_registered",
]);

export function isTransient(error: unknown): boolean {
  return !(error instanceof QuickPayError) || TRANSIENT.has(error.code);
}

export interface OutboxDeps {
  db: WalletDatabase;
  hostUrl: string;
  fetch?: FetchLike;
  now?: () => Date;
  /** The wallet's signer, or undefined before the key pair exists. */
  signer: () => Promise<Signer | undefined>;
  /** Called once per acknowledged message, with the host's reply. */
  onAck?: (item: OutboxItem, reply: unknown) => Promise<void>;
}

export interface FlushReport {
  sent: string[];
  retrying: string[];
  failed: string[];
}

export class Outbox {
  private running: Promise<FlushReport> | undefined;
  private again = false;

  constructor(private readonly deps: OutboxDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Queues a message; `id` makes enqueueing itself idempotent (an existing id is kept as is). */
  async enqueue(type: OutboxType, body: Json, id: string = newMessageId()): Promise<OutboxItem> {
    const tx = this.deps.db.transaction("outbox", "readwrite");
    const existing = await tx.store.get(id);
    if (existing) {
      await tx.done;
      return existing;
    }
    const item: OutboxItem = {
      id,
      type,
      body,
      state: "pending",
      attempts: 0,
      nextAttemptAt: this.now().getTime(),
      createdAt: this.now().toISOString(),
    };
    await tx.store.put(item);
    await tx.done;
    return item;
  }

  async pending(): Promise<OutboxItem[]> {
    return this.deps.db.getAllFromIndex("outbox", "byState", "pending");
  }

  /** Epoch ms when the next pending message is due, for scheduling the alarm. */
  async nextDueAt(): Promise<number | undefined> {
    const items = await this.pending();
    return items.length === 0 ? undefined : Math.min(...items.map((i) => i.nextAttemptAt));
  }

  /**
   * Sends every due message once. Concurrent calls share one run (and trigger one more pass), so an
   * alarm and a fresh enqueue never send the same message twice at the same time.
   */
  flush(): Promise<FlushReport> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      const total: FlushReport = { sent: [], retrying: [], failed: [] };
      do {
        this.again = false;
        const r = await this.flushOnce();
        total.sent.push(...r.sent);
        total.retrying.push(...r.retrying);
        total.failed.push(...r.failed);
      } while (this.again);
      return total;
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async flushOnce(): Promise<FlushReport> {
    const report: FlushReport = { sent: [], retrying: [], failed: [] };
    const signer = await this.deps.signer();
    if (!signer) return report;
    const now = this.now().getTime();
    const items = (await this.pending()).sort(
      (a, b) => rank(a) - rank(b) || a.createdAt.localeCompare(b.createdAt),
    );
    for (const item of items) {
      if (item.nextAttemptAt > now) continue;
      // Everything else the wallet says presumes the host knows it: wait for Register Wallet.
      if (
        item.type !== "RegisterWallet" &&
        items.some((i) => i.type === "RegisterWallet" && i.state === "pending")
      ) {
        continue;
      }
      await this.sendOne(item, signer, report);
    }
    return report;
  }

  private async sendOne(item: OutboxItem, signer: Signer, report: FlushReport): Promise<void> {
    const attemptAt = this.now();
    try {
      const envelope = await signEnvelope(signer, item.type, item.body, { id: item.id, at: attemptAt });
      const reply: ReplyOf<OutboxType> = await sendMessage(this.deps.hostUrl, item.type, envelope as never, {
        fetch: this.deps.fetch,
      });
      item.state = "done";
      item.attempts += 1;
      item.ackedAt = this.now().toISOString();
      delete item.lastError;
      await this.deps.db.put("outbox", item);
      await this.deps.onAck?.(item, reply);
      report.sent.push(item.id);
    } catch (error) {
      item.attempts += 1;
      item.lastError = {
        code: error instanceof QuickPayError ? error.code : "internal",
        message: (error as Error).message,
      };
      if (isTransient(error)) {
        item.nextAttemptAt = attemptAt.getTime() + backoffMs(item.attempts);
        report.retrying.push(item.id);
      } else {
        item.state = "failed";
        report.failed.push(item.id);
      }
      await this.deps.db.put("outbox", item);
    }
  }
}

function rank(item: OutboxItem): number {
  return item.type === "RegisterWallet" ? 0 : 1;
}

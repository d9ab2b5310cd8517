/**
 * The outbox's IndexedDB storage as the protocol's resend loop sees it (`ResendStore`): what is due,
 * and the outcome of each attempt written in one transaction with its effect — the purchase moving
 * on, the next item queued — through the item kind's hooks.
 */
import type { Json } from "@quickpay/paycards";
import type { FailedAttempt, ResendStore } from "@quickpay/protocol";
import {
  OUTBOX_WRITE_STORES,
  type OutboxItem,
  type OutboxType,
  type OutboxWriteTx,
  type WalletDatabase,
} from "./db";

/** One write of the outbox, given to an item kind's effects: its transaction and a way to queue more. */
export interface OutboxWrite {
  tx: OutboxWriteTx;
  now: Date;
  /** Queues another item in the same transaction (an existing id is kept as is); sent right after. */
  queue(item: OutboxItem): Promise<void>;
}

/** How one type of item is sent, and what its outcome changes (in the same transaction). */
export interface OutboxKind {
  /** One attempt; resolves with the receiver's acknowledgement, throws on any failure. */
  send(item: OutboxItem): Promise<unknown>;
  acknowledged?(write: OutboxWrite, item: OutboxItem, reply: unknown): Promise<void>;
  /** `item` already carries the new failure count and, when given up, `state: "failed"`. */
  failed?(write: OutboxWrite, item: OutboxItem, attempt: FailedAttempt): Promise<void>;
  /** After either write committed: wake whoever waits on it. */
  written?(item: OutboxItem): void;
}

export type OutboxKinds = { [T in OutboxType]: OutboxKind };

export function newOutboxItem(
  type: OutboxType,
  body: Json,
  id: string,
  now: Date,
  extra: { purchaseId?: string; deadline?: number } = {},
): OutboxItem {
  return {
    id,
    type,
    body,
    ...extra,
    state: "pending",
    failures: 0,
    queuedAt: now.getTime(),
    nextAttemptAt: now.getTime(),
  };
}

/** Register Wallet goes first: the host and the brokers know this wallet only after it. */
function rank(item: OutboxItem): number {
  return item.type === "RegisterWallet" ? 0 : 1;
}

/** The outbox's storage as the resend loop sees it. */
export class IdbResendStore implements ResendStore<OutboxItem> {
  constructor(
    private readonly db: WalletDatabase,
    private readonly kinds: OutboxKinds,
    private readonly now: () => Date,
    /** Called after a write that queued another item. */
    private readonly onQueued: () => void,
    /** Called when the resend loop re-arms its timer (after every drain), with the next due time. */
    private readonly onScheduled?: (at: number | undefined) => void,
  ) {}

  /** Unacknowledged items that may be sent: nothing but Register Wallet until the host knows the wallet. */
  private async open(): Promise<OutboxItem[]> {
    const [meta, items] = await Promise.all([
      this.db.get("meta", "wallet"),
      this.db.getAllFromIndex("outbox", "byState", "pending"),
    ]);
    return meta?.registered ? items : items.filter((i) => i.type === "RegisterWallet");
  }

  async due(now: number): Promise<OutboxItem[]> {
    return (await this.open())
      .filter((i) => i.nextAttemptAt <= now)
      .sort((a, b) => rank(a) - rank(b) || a.queuedAt - b.queuedAt || a.id.localeCompare(b.id));
  }

  /** The resend loop asks this after every drain to re-arm its timer. */
  async nextDueAt(): Promise<number | undefined> {
    const at = await this.peekNextDueAt();
    this.onScheduled?.(at);
    return at;
  }

  async peekNextDueAt(): Promise<number | undefined> {
    const items = await this.open();
    return items.length === 0 ? undefined : Math.min(...items.map((i) => i.nextAttemptAt));
  }

  async acknowledged(message: OutboxItem, reply: unknown): Promise<void> {
    await this.write(message, false, async (write, stored) => {
      const item: OutboxItem = { ...stored, state: "done", ackedAt: write.now.toISOString() };
      await write.tx.objectStore("outbox").put(item);
      await this.kinds[item.type].acknowledged?.(write, item, reply);
      return item;
    });
  }

  async failed(message: OutboxItem, attempt: FailedAttempt): Promise<void> {
    await this.write(message, true, async (write, stored) => {
      const { verdict } = attempt;
      const item: OutboxItem = {
        ...stored,
        failures: attempt.failures,
        lastError: attempt.error,
        ...(verdict.retry ? { nextAttemptAt: verdict.at } : { state: "failed", gaveUp: verdict.reason }),
      };
      await write.tx.objectStore("outbox").put(item);
      await this.kinds[item.type].failed?.(write, item, attempt);
      return item;
    });
  }

  /**
   * One transaction over the outbox and what its effects touch. An outcome for an item that is no
   * longer pending — or, for a failure, whose count moved on — comes from a stale sender (a worker
   * that was presumed dead) and changes nothing.
   */
  private async write(
    message: OutboxItem,
    sameCount: boolean,
    change: (write: OutboxWrite, stored: OutboxItem) => Promise<OutboxItem>,
  ): Promise<void> {
    const tx = this.db.transaction(OUTBOX_WRITE_STORES, "readwrite");
    let queued = false;
    const write: OutboxWrite = {
      tx,
      now: this.now(),
      async queue(item) {
        const outbox = tx.objectStore("outbox");
        if (!(await outbox.get(item.id))) await outbox.put(item);
        queued = true;
      },
    };
    let item: OutboxItem | undefined;
    try {
      const stored = await tx.objectStore("outbox").get(message.id);
      if (stored?.state === "pending" && (!sameCount || stored.failures === message.failures)) {
        item = await change(write, stored);
      }
    } catch (error) {
      tx.abort();
      await tx.done.catch(() => undefined);
      throw error;
    }
    await tx.done;
    if (!item) return;
    this.kinds[item.type].written?.(item);
    if (queued) this.onQueued();
  }
}

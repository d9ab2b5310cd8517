/**
 * Confirm Order's one window and its queue (DESIGN §4.2.1 step 2). Every purchase waiting for the
 * shopper's answer is a `confirming` row of `purchases`; they are shown one after another, in the
 * order the pages asked, in one confirmation window at a time. A page that was declined (Decline, or
 * the window closed) may not ask again for a short cool-down.
 *
 * Why this holds under 30 concurrent `pay` calls: every change of the queue — adding a purchase,
 * finding or opening the window, the window closing, the queue running empty — runs one at a time
 * (`serial`), and each re-reads IndexedDB inside its turn, so a check and the write it guards are never
 * split by another request's await. The chain is in memory, which is sound because a browser runs one
 * instance of an extension's service worker at a time; what must survive that worker (the queue, the
 * window's id, the cool-downs) is in IndexedDB, and a restarted worker finds a window it did not
 * record through `ConfirmWindows.showing()` (runtime.getContexts) instead of opening another.
 */
import { QuickPayError } from "@quickpay/protocol";
import type { ConfirmRecord, StoredPurchase, WalletDatabase } from "./db";
import type { Purchases } from "./purchases";

/** The confirmation window's size: a wallet popup's (MetaMask's and Rabby's are 360 wide, about 600 high). */
export const CONFIRM_WINDOW = { width: 360, height: 600 } as const;
/** How long a page that was declined must wait before it may ask again (ms). */
export const DECLINE_COOLDOWN_MS = 3_000;
/** At most this many requests of one page wait in the queue; more are refused (`rate_limited`). */
export const MAX_WAITING_PER_ORIGIN = 10;
/** A window's wait for a change of the queue returns at least this often. */
export const QUEUE_POLL_MS = 20_000;

/** The browser's side of the window (index.ts: `browser.windows`, `runtime.getContexts`; tests: a fake). */
export interface ConfirmWindows {
  /** Opens the confirmation window on `purchaseId`, the queue's head; resolves with its window id. */
  open(purchaseId: string): Promise<number | undefined>;
  /** Whether `windowId` is still open and is this Wallet's confirmation window. */
  isOpen(windowId: number): Promise<boolean>;
  /** The windows that show the confirmation page right now, whoever opened them. */
  showing(): Promise<number[]>;
  /** Brings the window to the front (a new request joined the queue). */
  focus(windowId: number): Promise<void>;
  close(windowId: number): Promise<void>;
}

/** The queue as the window reads it: the waiting purchases' ids in order, and a version to wait on. */
export interface QueueView {
  ids: string[];
  version: string;
}

const cooldownKey = (origin: string) => `cooldown:${origin}` as const;

/** The order purchases are shown in: as the pages asked, then by id for the same instant. */
export function queueSort(a: StoredPurchase, b: StoredPurchase): number {
  const oa = a.queueOrder ?? Date.parse(a.createdAt) * 1000;
  const ob = b.queueOrder ?? Date.parse(b.createdAt) * 1000;
  return oa - ob || a.id.localeCompare(b.id);
}

export interface ConfirmQueueDeps {
  db: WalletDatabase;
  purchases: Purchases;
  windows: ConfirmWindows;
  now: () => Date;
  cooldownMs?: number;
  maxPerOrigin?: number;
  pollMs?: number;
}

export class ConfirmQueue {
  private chain: Promise<unknown> = Promise.resolve();
  private lastOrder = 0;

  constructor(private readonly deps: ConfirmQueueDeps) {}

  /** Runs `step` after every queue change before it has finished (one at a time, in call order). */
  private serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.chain.then(step, step);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * A request's place in the queue, taken synchronously when it arrives (before Get Order), so
   * three rapid clicks are shown in the order they were made even if their orders arrive out of order.
   * Microseconds of wall time, strictly increasing within a worker.
   */
  arrival(): number {
    this.lastOrder = Math.max(this.deps.now().getTime() * 1000, this.lastOrder + 1);
    return this.lastOrder;
  }

  /** The waiting purchases, in the order they are shown. */
  async waiting(): Promise<StoredPurchase[]> {
    return (await this.deps.purchases.inState("confirming")).sort(queueSort);
  }

  async view(): Promise<QueueView> {
    const ids = (await this.waiting()).map((p) => p.id);
    return { ids, version: ids.join(",") };
  }

  /**
   * The window's long poll: the queue at once when its version differs from `after`, else at its
   * next change (or after `pollMs`, unchanged: ask again).
   */
  async watch(after?: string): Promise<QueueView> {
    const until = Date.now() + (this.deps.pollMs ?? QUEUE_POLL_MS);
    for (;;) {
      const changed = this.deps.purchases.changedAny();
      const view = await this.view();
      const left = until - Date.now();
      if (view.version !== after || left <= 0) return view;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        changed.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), left);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) return this.view();
    }
  }

  /**
   * Refuses early, before Get Order, a page in its cool-down or with too many requests waiting —
   * so a page cannot make the Wallet fetch orders it would not show. `enqueue` checks again in its turn.
   */
  async precheck(origin: string): Promise<void> {
    const cooldown = await this.deps.db.get("confirmations", cooldownKey(origin));
    this.refuseCooldown(origin, cooldown);
    const waiting = (await this.deps.purchases.inState("confirming")).filter((p) => p.origin === origin);
    this.refuseTooMany(waiting.length);
  }

  private refuseCooldown(origin: string, record: ConfirmRecord | undefined): void {
    if (!record || record.key === "window") return;
    const left = record.until - this.deps.now().getTime();
    if (left <= 0) return;
    const seconds = Math.max(1, Math.ceil(left / 1000));
    throw new QuickPayError("rate_limited", `${origin} was declined; it may ask again in ${left} ms`, {
      reason: "cooldown",
      retryAfterMs: left,
      words: `You just declined a payment on this site. It can ask again in ${seconds} ${seconds === 1 ? "second" : "seconds"}.`,
    });
  }

  private refuseTooMany(waiting: number): void {
    const max = this.deps.maxPerOrigin ?? MAX_WAITING_PER_ORIGIN;
    if (waiting < max) return;
    throw new QuickPayError("rate_limited", `${waiting} payment requests of this page are waiting already`, {
      reason: "queue_full",
      words: `This site already has ${waiting} payment requests waiting in your Wallet. Answer those first.`,
    });
  }

  /**
   * Adds a purchase to the queue (stored `confirming`) and shows it: in the open confirmation window
   * if there is one, else in a new one. In its turn: the cool-down and the per-page limit are checked
   * and the purchase stored in one transaction, then the window is found or opened.
   */
  enqueue(purchase: StoredPurchase): Promise<void> {
    return this.serial(async () => {
      const { db, purchases } = this.deps;
      const tx = db.transaction(["purchases", "confirmations"], "readwrite");
      this.refuseCooldown(
        purchase.origin,
        await tx.objectStore("confirmations").get(cooldownKey(purchase.origin)),
      );
      const same = await tx.objectStore("purchases").index("byState").getAll("confirming");
      this.refuseTooMany(same.filter((p) => p.origin === purchase.origin).length);
      await tx.objectStore("purchases").put(purchase);
      await tx.done;
      purchases.notify(purchase.id);
      try {
        await this.showWindow(purchase.id);
      } catch (error) {
        // No window could show it: it must not wait unseen (a stuck request). It ends now, uncharged.
        const message = error instanceof Error ? error.message : String(error);
        await purchases.update(purchase.id, (p) =>
          p.status === "confirming"
            ? { ...p, status: "failed", error: { code: "internal", message } }
            : undefined,
        );
        throw error;
      }
    });
  }

  /**
   * Makes sure the waiting purchases have their one window (inside a turn): the recorded window if
   * it is still open, else one a previous worker opened without recording it, else a new one. Every
   * waiting purchase is then recorded as shown in it.
   */
  private async showWindow(arrived?: string): Promise<void> {
    const { db, windows } = this.deps;
    const waiting = await this.waiting();
    const head = waiting[0];
    if (!head) return;
    const record = await db.get("confirmations", "window");
    let windowId =
      record?.key === "window" && (await windows.isOpen(record.windowId)) ? record.windowId : undefined;
    let opened = false;
    if (windowId === undefined) windowId = (await windows.showing())[0];
    if (windowId === undefined) {
      windowId = await windows.open(head.id);
      opened = true;
    }
    if (windowId === undefined) {
      throw new QuickPayError("internal", "the browser did not open the confirmation window");
    }
    const at = this.deps.now().toISOString();
    const tx = db.transaction(["purchases", "confirmations"], "readwrite");
    if (record?.key !== "window" || record.windowId !== windowId) {
      await tx.objectStore("confirmations").put({ key: "window", windowId, openedAt: at });
    }
    for (const p of waiting) {
      if (p.windowId !== windowId) await tx.objectStore("purchases").put({ ...p, windowId, updatedAt: at });
    }
    await tx.done;
    // A request joining an open window brings it to the front, as a new window would be.
    if (!opened && arrived !== undefined) await windows.focus(windowId).catch(() => undefined);
  }

  /**
   * The shopper said no to one purchase (Decline, Esc): it ends `declined`, and its page waits out
   * the cool-down before it may ask again. The rest of the queue stays.
   */
  decline(purchaseId: string): Promise<void> {
    return this.serial(() => this.declineNow([purchaseId]));
  }

  /** "Decline all": every waiting purchase, each page with its cool-down. */
  declineAll(): Promise<void> {
    return this.serial(async () => this.declineNow((await this.waiting()).map((p) => p.id)));
  }

  private async declineNow(ids: string[], options: { cooldown?: boolean } = {}): Promise<void> {
    if (ids.length === 0) return;
    const { db, purchases } = this.deps;
    const now = this.deps.now();
    const until = now.getTime() + (this.deps.cooldownMs ?? DECLINE_COOLDOWN_MS);
    const tx = db.transaction(["purchases", "confirmations"], "readwrite");
    const changed: string[] = [];
    for (const id of ids) {
      const p = await tx.objectStore("purchases").get(id);
      if (p?.status !== "confirming") continue;
      await tx.objectStore("purchases").put({
        ...p,
        status: "declined",
        error: { code: "declined", message: "declined by the user" },
        updatedAt: now.toISOString(),
      });
      if (options.cooldown !== false) {
        await tx.objectStore("confirmations").put({ key: cooldownKey(p.origin), origin: p.origin, until });
      }
      changed.push(id);
    }
    await tx.done;
    for (const id of changed) purchases.notify(id);
  }

  /**
   * The window asks what to show after an answer: the next waiting purchase, or null — then the queue
   * is empty and the window is closed here, in this turn, so a request arriving meanwhile gets a new
   * window instead of joining one that is closing.
   */
  next(): Promise<string | null> {
    return this.serial(async () => {
      const head = (await this.waiting())[0];
      if (head) return head.id;
      const record = await this.deps.db.get("confirmations", "window");
      if (record?.key === "window") {
        await this.deps.db.delete("confirmations", "window");
        await this.deps.windows.close(record.windowId).catch(() => undefined);
      }
      return null;
    });
  }

  /**
   * The browser says a window closed. Closing the confirmation window declines every purchase in
   * its queue, shown or not (each page gets its cool-down); a window the queue no longer uses changes nothing.
   */
  windowClosed(windowId: number): Promise<void> {
    return this.serial(async () => {
      const record = await this.deps.db.get("confirmations", "window");
      const wasQueueWindow = record?.key === "window" && record.windowId === windowId;
      if (wasQueueWindow) await this.deps.db.delete("confirmations", "window");
      const waiting = await this.waiting();
      await this.declineNow(
        waiting.filter((p) => wasQueueWindow || p.windowId === windowId).map((p) => p.id),
      );
    });
  }

  /**
   * Every service-worker start. The recorded window still open, or one a previous worker opened
   * without recording it: the queue stays in it. Otherwise the window was closed while no worker
   * listened: what it showed is declined (no cool-down: nobody is asking again right now), and what
   * no window showed yet (the worker died between storing a purchase and opening its window) gets one.
   */
  resume(): Promise<void> {
    return this.serial(async () => {
      const { db, windows } = this.deps;
      const waiting = await this.waiting();
      if (waiting.length === 0) return;
      const record = await db.get("confirmations", "window");
      const live =
        (record?.key === "window" && (await windows.isOpen(record.windowId)) ? record.windowId : undefined) ??
        (await windows.showing())[0];
      if (live === undefined) {
        if (record?.key === "window") await db.delete("confirmations", "window");
        await this.declineNow(
          waiting.filter((p) => p.windowId !== undefined).map((p) => p.id),
          { cooldown: false },
        );
      }
      await this.showWindow();
    });
  }
}

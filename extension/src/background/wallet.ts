/**
 * Assembles the Wallet engine from its parts (database, directory, outbox, Paycard host, purchase
 * engine, receipts, handlers). The service worker entry adds only the browser's events; tests build
 * the same wallet in Node against real servers.
 */

import type { PaycardModule } from "@quickpay/paycards";
import type { FetchLike, ResenderLogger } from "@quickpay/protocol";
import { DirectoryClient } from "@quickpay/protocol";
import { Allowances } from "./allowances";
import { Backups } from "./backup";
import { ConfirmQueue, type ConfirmWindows } from "./confirm-queue";
import type { StoredPurchase, WalletDatabase } from "./db";
import { createHandlers } from "./handlers";
import { ensureWallet, markRegistered, walletSigner } from "./identity";
import { Inbox } from "./inbox";
import { memoryArea, type StorageArea, WalletLock } from "./lock";
import { hostSender, Outbox } from "./outbox";
import { PaycardHost } from "./paycard-host";
import { PurchaseEngine } from "./purchase";
import { markOrderRegistered, purchaseSteps } from "./purchase-steps";
import { Purchases } from "./purchases";
import { Receipts } from "./receipts";

export interface WalletConfig {
  db: WalletDatabase;
  hostUrl: string;
  modules: Record<string, PaycardModule>;
  codeHashes: Record<string, string>;
  /** The browser's confirmation windows (index.ts); tests pass a fake. */
  confirmWindows: ConfirmWindows;
  /** How long a declined page must wait before asking again (default `DECLINE_COOLDOWN_MS`). */
  confirmCooldownMs?: number;
  fetch?: FetchLike;
  now?: () => Date;
  version?: string;
  /** The outbox's jitter (tests may fix it). */
  random?: () => number;
  /** Where the outbox reports retries and give-ups; silent when omitted. */
  logger?: ResenderLogger;
  /** Hears the outbox's next due time after each of its drains (the service worker's alarm). */
  onOutboxScheduled?: (nextDueAt: number | undefined) => void;
  /** How long a page's wait for a purchase may stay open before it is answered with the same progress. */
  awaitPollMs?: number;
  /** Hears the inbox's unread count whenever it may have changed (the toolbar badge). */
  onUnreadChanged?: (unread: number) => void;
  /** Hears each purchase paid inside an allowance, with no window (the service worker's toast). */
  onAllowancePaid?: (purchase: StoredPurchase) => void;
  /**
   * Where the local password's settings and the unlocked key live: `chrome.storage.local` and
   * `chrome.storage.session` in the browser (index.ts); in memory when omitted (tests).
   */
  lockAreas?: { local: StorageArea; session: StorageArea };
}

/** Acknowledged outbox messages older than this are forgotten on start (purchases are the history: kept). */
const KEEP_ACKED_MS = 24 * 60 * 60_000;

export function createWallet(config: WalletConfig) {
  const { db } = config;
  const now = () => config.now?.() ?? new Date();
  const fetchOption = config.fetch ? { fetch: config.fetch } : {};
  // Brief: a page's origin must stop reaching the engine soon after its vendor is suspended.
  const directory = new DirectoryClient(config.hostUrl, {
    ttlMs: 30_000,
    now: () => now().getTime(),
    ...fetchOption,
  });
  const lock = new WalletLock({
    db,
    local: config.lockAreas?.local ?? memoryArea(),
    session: config.lockAreas?.session ?? memoryArea(),
    now: () => now().getTime(),
    // What waited for the key (signed host messages, Inquiry Payment) goes now.
    onUnlocked: () => outbox.kick(),
  });
  const signer = () => walletSigner(db, lock);
  const purchases = new Purchases(db, now);
  const paycards = new PaycardHost({
    db,
    directory,
    modules: config.modules,
    codeHashes: config.codeHashes,
    signer,
    lock,
    registered: async () => (await db.get("meta", "wallet"))?.registered ?? false,
    fetch: config.fetch,
    now,
    // A removed Paycard's Forget Paycard was queued (the outbox exists by the time anyone removes one).
    onQueued: () => outbox.kick(),
  });
  const inbox = new Inbox({
    db,
    directory,
    hostUrl: config.hostUrl,
    signer,
    now,
    ...fetchOption,
    ...(config.onUnreadChanged ? { onUnread: config.onUnreadChanged } : {}),
  });
  const toHost = hostSender({ hostUrl: config.hostUrl, signer, now, ...fetchOption });
  const steps = purchaseSteps({ db, purchases, paycards, directory, now, ...fetchOption });
  const outbox = new Outbox({
    db,
    now,
    ...(config.random ? { random: config.random } : {}),
    ...(config.logger ? { logger: config.logger } : {}),
    ...(config.onOutboxScheduled ? { onScheduled: config.onOutboxScheduled } : {}),
    kinds: {
      RegisterWallet: {
        send: toHost,
        acknowledged: (write, _item, reply) =>
          markRegistered(write.tx, (reply as { walletId: string }).walletId, write.now),
      },
      RegisterOrder: {
        send: toHost,
        acknowledged: (write, item) => markOrderRegistered(write, item),
        written: (item) => {
          if (item.purchaseId !== undefined) purchases.notify(item.purchaseId);
          // The host now knows this wallet as the order's: its shop (or bank) can write at once.
          if (item.state === "done") {
            void inbox
              .fetchNow()
              .catch((error: unknown) => config.logger?.warn({ error }, "inbox fetch failed"));
          }
        },
      },
      ...steps,
      ForgetPaycard: {
        send: (item) => paycards.forgetAtBroker(item),
        // Given up: the credential is deleted here anyway, and the inbox says the bank was not told.
        failed: (write, item) => paycards.forgetGivenUp(write, item),
        written: (item) => {
          if (item.state === "failed") void inbox.publishUnread().catch(() => undefined);
        },
      },
    },
  });
  const queue = new ConfirmQueue({
    db,
    purchases,
    windows: config.confirmWindows,
    now,
    ...(config.confirmCooldownMs !== undefined ? { cooldownMs: config.confirmCooldownMs } : {}),
  });
  const allowances = new Allowances(db, now);
  const engine = new PurchaseEngine({
    db,
    allowances,
    ...(config.onAllowancePaid ? { onAllowancePaid: config.onAllowancePaid } : {}),
    locked: () => lock.isLocked(),
    purchases,
    directory,
    paycards,
    outbox,
    now,
    queue,
    ...fetchOption,
    ...(config.awaitPollMs !== undefined ? { awaitPollMs: config.awaitPollMs } : {}),
  });
  const receipts = new Receipts({ purchases, directory, now, ...fetchOption });
  const backups = new Backups({
    db,
    lock,
    now,
    // The restored Wallet's outbox and inbox: send what it had queued, show its unread count.
    onRestored: () => {
      outbox.kick();
      void inbox.publishUnread().catch(() => undefined);
    },
  });
  const handlers = createHandlers({
    db,
    engine,
    queue,
    receipts,
    paycards,
    outbox,
    inbox,
    lock,
    backups,
    allowances,
    hostUrl: config.hostUrl,
    version: config.version ?? "0.1.0",
    now,
  });

  return {
    db,
    directory,
    outbox,
    paycards,
    purchases,
    engine,
    queue,
    receipts,
    inbox,
    lock,
    allowances,
    handlers,
    /**
     * Every service-worker start: first-run setup, forgotten acknowledgements, orphaned confirmation
     * windows, then the outbox, which sends whatever a previous worker left at whatever step. Does
     * not wait for those sends (a slow shop must not hold up the Wallet's pages): `outbox.drain()` does.
     */
    async start(): Promise<void> {
      await ensureWallet(db, outbox, now());
      const cutoff = now().getTime() - KEEP_ACKED_MS;
      for (const item of await db.getAllFromIndex("outbox", "byState", "done")) {
        if (item.ackedAt === undefined || Date.parse(item.ackedAt) < cutoff)
          await db.delete("outbox", item.id);
      }
      await engine.declineOrphans();
      outbox.start();
      await inbox.publishUnread();
    },
    /** Stops the outbox's timer (a test's "worker stopped"); everything stays stored. */
    stop(): Promise<void> {
      return outbox.stop();
    },
  };
}

export type Wallet = ReturnType<typeof createWallet>;

/**
 * The service worker's answer to every message of the Wallet's message map. The object `satisfies`
 * `WalletHandlers`: a message without a handler, or a handler for an undeclared message, is a compile
 * error. Params arrive already validated by the router.
 */
import { QuickPayError } from "@quickpay/protocol";
import type { SenderInfo, WalletHandlers } from "../shared/messages";
import type { Allowances } from "./allowances";
import type { Backups } from "./backup";
import type { ConfirmQueue } from "./confirm-queue";
import type { WalletDatabase } from "./db";
import { historyPage } from "./history";
import type { Inbox } from "./inbox";
import type { WalletLock } from "./lock";
import type { Outbox } from "./outbox";
import type { PaycardHost } from "./paycard-host";
import type { PurchaseEngine } from "./purchase";
import type { Receipts } from "./receipts";
import { errorBody } from "./router";

export interface HandlerDeps {
  db: WalletDatabase;
  engine: PurchaseEngine;
  queue: ConfirmQueue;
  receipts: Receipts;
  paycards: PaycardHost;
  outbox: Outbox;
  inbox: Inbox;
  lock: WalletLock;
  backups: Backups;
  allowances: Allowances;
  hostUrl: string;
  version: string;
  now: () => Date;
}

/** The page's origin, as the browser reported it (never from the message). */
function originOf(sender: SenderInfo): string {
  if (!sender.origin) throw new QuickPayError("forbidden", "no page origin");
  return sender.origin;
}

export function createHandlers(deps: HandlerDeps) {
  const { db, engine, queue, receipts, paycards, outbox, lock } = deps;
  return {
    "page.getInfo": async () => ({ name: "QuickPay Wallet", version: deps.version, walletId: null }),
    "page.startPay": async ({ itemId }, sender) => ({
      purchaseId: await engine.startPurchase(originOf(sender), itemId),
    }),
    // A locked Wallet opens its window (which asks to unlock first), but hands a page no goods and no
    // receipt: a purchase's content reaches the page only while the Wallet is unlocked.
    "page.awaitPay": async ({ purchaseId, after }, sender) => {
      const outcome = await engine.awaitPurchase(purchaseId, originOf(sender), after);
      if ("result" in outcome) await lock.requireUnlocked();
      return outcome;
    },
    "page.restore": async ({ itemId }, sender) => {
      await lock.requireUnlocked();
      return receipts.restore(originOf(sender), itemId);
    },
    "wallet.status": async () => {
      const meta = await db.get("meta", "wallet");
      return {
        walletId: meta?.walletId ?? null,
        registered: meta?.registered ?? false,
        hostUrl: deps.hostUrl,
        outboxPending: (await outbox.pending()).length,
      };
    },
    "confirm.get": async ({ id }) => engine.confirmation(id),
    "confirm.decide": async ({ id, approve, paycardId, makeActive, allowance }) => {
      // Approving pays: never while locked (the window asks to unlock first; this is the backstop).
      if (approve) await lock.requireUnlocked();
      await engine.decide(id, approve, {
        ...(paycardId === undefined ? {} : { paycardId }),
        ...(makeActive === undefined ? {} : { makeActive }),
        ...(allowance === undefined ? {} : { allowance }),
      });
      return { ok: true as const };
    },
    "confirm.queue": async ({ after }) => queue.watch(after),
    "confirm.next": async () => ({ next: await queue.next() }),
    "confirm.declineAll": async () => {
      await queue.declineAll();
      return { ok: true as const };
    },
    "confirm.useReceipt": async ({ id }) => {
      await lock.requireUnlocked();
      await receipts.useReceipt(id);
      return { ok: true as const };
    },
    "paycards.list": async () => ({ paycards: await paycards.list(), modules: paycards.modules() }),
    "paycards.setActive": async ({ paycardId }) => {
      await paycards.setActive(paycardId);
      return { ok: true as const };
    },
    "paycards.beginAdd": async ({ moduleId }) => {
      // Registration may still be in the outbox on a fresh install: give it a push first.
      if (!(await db.get("meta", "wallet"))?.registered) await outbox.hurry("RegisterWallet");
      return paycards.beginAdd(moduleId);
    },
    "paycards.answer": async ({ moduleId, sessionId, answers, makeActive }) =>
      paycards.answer(moduleId, sessionId, answers, { makeActive: makeActive === true }),
    "paycards.overview": async () => ({ paycards: await paycards.overview() }),
    "paycards.remove": async ({ paycardId }) => paycards.remove(paycardId),
    "paycards.balance": async () => paycards.balance(),
    "history.page": async ({ before, limit }) =>
      historyPage(db, { before, limit }, deps.now().getTime(), (p) => paycards.namesFor(p)),
    "allowances.list": async () => ({ allowances: await deps.allowances.list() }),
    "allowances.update": async ({ key, limit, period }) =>
      deps.allowances.update(key, {
        ...(limit === undefined ? {} : { limit }),
        ...(period === undefined ? {} : { period }),
      }),
    "allowances.revoke": async ({ key }) => {
      await deps.allowances.revoke(key);
      return { ok: true as const };
    },
    "inbox.list": async () => deps.inbox.view(),
    "inbox.refresh": async () => {
      // What is stored still shows when the host cannot be reached; the popup says it could not check.
      const checkError = await deps.inbox.fetchNow().then(
        () => undefined,
        (error: unknown) => {
          const { code, message } = errorBody(error);
          return { code, message };
        },
      );
      return { ...(await deps.inbox.view()), ...(checkError ? { checkError } : {}) };
    },
    "inbox.markRead": async (params) => ({
      unread: await deps.inbox.markRead("all" in params ? "all" : params.ids),
    }),
    "backup.export": async ({ password }) => deps.backups.export(password),
    "backup.restore": async ({ text, password, replace }) =>
      deps.backups.restore(text, password, { replace: replace === true }),
    "lock.status": async () => lock.status(),
    "lock.unlock": async ({ password }) => {
      await lock.unlock(password);
      return lock.status();
    },
    "lock.lock": async () => {
      await lock.lock();
      return lock.status();
    },
    "lock.setPassword": async ({ password, autoLockMinutes }) => {
      await lock.setPassword(password, autoLockMinutes);
      return lock.status();
    },
    "lock.changePassword": async ({ current, next }) => {
      await lock.changePassword(current, next);
      return lock.status();
    },
    "lock.removePassword": async ({ current }) => {
      await lock.removePassword(current);
      return lock.status();
    },
    "lock.setAutoLock": async ({ minutes }) => {
      await lock.setAutoLock(minutes);
      return lock.status();
    },
  } satisfies WalletHandlers;
}

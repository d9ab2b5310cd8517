/**
 * The service worker's answer to every message of the Wallet's message map. The object `satisfies`
 * `WalletHandlers`: a message without a handler, or a handler for an undeclared message, is a compile
 * error. Params arrive already validated by the router.
 */
import { QuickPayError } from "@quickpay/protocol";
import type { WalletHandlers } from "../shared/messages";
import type { WalletDatabase } from "./db";
import type { Outbox } from "./outbox";
import type { PaycardHost } from "./paycard-host";
import type { PurchaseEngine } from "./purchase";

export interface HandlerDeps {
  db: WalletDatabase;
  engine: PurchaseEngine;
  paycards: PaycardHost;
  outbox: Outbox;
  hostUrl: string;
  version: string;
}

export function createHandlers(deps: HandlerDeps) {
  const { db, engine, paycards, outbox } = deps;
  return {
    "page.getInfo": async () => ({ name: "QuickPay Wallet", version: deps.version, walletId: null }),
    "page.startPay": async ({ itemId }, sender) => {
      if (!sender.origin) throw new QuickPayError("forbidden", "no page origin");
      return { purchaseId: await engine.startPurchase(sender.origin, itemId) };
    },
    "page.awaitPay": async ({ purchaseId }, sender) => {
      if (!sender.origin) throw new QuickPayError("forbidden", "no page origin");
      return engine.awaitPurchase(purchaseId, sender.origin);
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
    "confirm.decide": async ({ id, approve }) => {
      await engine.decide(id, approve);
      return { ok: true as const };
    },
    "paycards.list": async () => ({ paycards: await paycards.list(), modules: paycards.modules() }),
    "paycards.setActive": async ({ paycardId }) => {
      await paycards.setActive(paycardId);
      return { ok: true as const };
    },
    "paycards.beginAdd": async ({ moduleId }) => {
      // Registration may still be in the outbox on a fresh install: give it a push first.
      await outbox.flush();
      return paycards.beginAdd(moduleId);
    },
    "paycards.answer": async ({ moduleId, sessionId, answers }) =>
      paycards.answer(moduleId, sessionId, answers),
    "paycards.balance": async () => paycards.balance(),
    "orders.recent": async () => ({ orders: await engine.recentOrders() }),
  } satisfies WalletHandlers;
}

/**
 * The service worker's answer to every message of the Wallet's message map. The object `satisfies`
 * `WalletHandlers`: a message without a handler, or a handler for an undeclared message, is a compile
 * error. Params arrive already validated by the router.
 */
import { QuickPayError } from "@quickpay/protocol";
import type { SenderInfo, WalletHandlers } from "../shared/messages";
import type { WalletDatabase } from "./db";
import { historyPage } from "./history";
import type { Outbox } from "./outbox";
import type { PaycardHost } from "./paycard-host";
import type { PurchaseEngine } from "./purchase";
import type { Receipts } from "./receipts";

export interface HandlerDeps {
  db: WalletDatabase;
  engine: PurchaseEngine;
  receipts: Receipts;
  paycards: PaycardHost;
  outbox: Outbox;
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
  const { db, engine, receipts, paycards, outbox } = deps;
  return {
    "page.getInfo": async () => ({ name: "QuickPay Wallet", version: deps.version, walletId: null }),
    "page.startPay": async ({ itemId }, sender) => ({
      purchaseId: await engine.startPurchase(originOf(sender), itemId),
    }),
    "page.awaitPay": async ({ purchaseId, after }, sender) =>
      engine.awaitPurchase(purchaseId, originOf(sender), after),
    "page.restore": async ({ itemId }, sender) => receipts.restore(originOf(sender), itemId),
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
    "confirm.useReceipt": async ({ id }) => {
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
    "paycards.answer": async ({ moduleId, sessionId, answers }) =>
      paycards.answer(moduleId, sessionId, answers),
    "paycards.balance": async () => paycards.balance(),
    "history.page": async ({ before, limit }) => historyPage(db, { before, limit }, deps.now().getTime()),
  } satisfies WalletHandlers;
}

/**
 * Assembles the Wallet engine from its parts (database, directory, outbox, Paycard host, purchase
 * engine, handlers). The service worker entry adds only the browser's events; tests build the same
 * wallet in Node against real servers.
 */

import type { PaycardModule } from "@quickpay/paycards";
import type { FetchLike } from "@quickpay/protocol";
import { DirectoryClient } from "@quickpay/protocol";
import type { WalletDatabase } from "./db";
import { createHandlers } from "./handlers";
import { ensureWallet, markRegistered, walletSigner } from "./identity";
import { Outbox } from "./outbox";
import { PaycardHost } from "./paycard-host";
import { PurchaseEngine } from "./purchase";

export interface WalletConfig {
  db: WalletDatabase;
  hostUrl: string;
  modules: Record<string, PaycardModule>;
  codeHashes: Record<string, string>;
  openConfirmation: (purchaseId: string) => Promise<number | undefined>;
  confirmationOpen?: (windowId: number) => Promise<boolean>;
  fetch?: FetchLike;
  now?: () => Date;
  version?: string;
}

/** Finished purchases and acknowledged outbox messages older than this are forgotten on start. */
const KEEP_MS = 24 * 60 * 60_000;

export function createWallet(config: WalletConfig) {
  const { db } = config;
  const now = () => config.now?.() ?? new Date();
  // Brief: a page's origin must stop reaching the engine soon after its vendor is suspended.
  const directory = new DirectoryClient(config.hostUrl, {
    ttlMs: 30_000,
    now: () => now().getTime(),
    ...(config.fetch ? { fetch: config.fetch } : {}),
  });
  const signer = () => walletSigner(db);
  let engine: PurchaseEngine | undefined;
  const outbox = new Outbox({
    db,
    hostUrl: config.hostUrl,
    fetch: config.fetch,
    now,
    signer,
    onAck: async (item, reply) => {
      if (item.type === "RegisterWallet")
        await markRegistered(db, (reply as { walletId: string }).walletId, now());
      if (item.type === "RegisterOrder") {
        await engine?.markOrderRegistered((item.body as { orderDigest: string }).orderDigest);
      }
    },
  });
  const paycards = new PaycardHost({
    db,
    directory,
    modules: config.modules,
    codeHashes: config.codeHashes,
    signer,
    registered: async () => (await db.get("meta", "wallet"))?.registered ?? false,
    fetch: config.fetch,
    now,
  });
  engine = new PurchaseEngine({
    db,
    directory,
    paycards,
    outbox,
    fetch: config.fetch,
    now,
    openConfirmation: config.openConfirmation,
    confirmationOpen: config.confirmationOpen,
  });
  const handlers = createHandlers({
    db,
    engine,
    paycards,
    outbox,
    hostUrl: config.hostUrl,
    version: config.version ?? "0.1.0",
  });

  return {
    db,
    directory,
    outbox,
    paycards,
    engine,
    handlers,
    /** Every service-worker start: first-run setup, forgotten purchases, the outbox. */
    async start(): Promise<void> {
      await ensureWallet(db, outbox, now());
      const cutoff = now().getTime() - KEEP_MS;
      for (const p of await db.getAll("pending")) {
        if (Date.parse(p.createdAt) < cutoff) await db.delete("pending", p.id);
      }
      for (const item of await db.getAllFromIndex("outbox", "byState", "done")) {
        if (Date.parse(item.ackedAt ?? item.createdAt) < cutoff) await db.delete("outbox", item.id);
      }
      await engine.declineOrphans();
      await engine.resumeApproved();
      await outbox.flush();
    },
  };
}

export type Wallet = ReturnType<typeof createWallet>;

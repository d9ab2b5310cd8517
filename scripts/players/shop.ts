/**
 * The demo shop as its own process: its vendor key and delivery records in the data dir (so a
 * restart is the same vendor with the same orders), registered with the host on every start. With
 * QUICKPAY_FAULTS=1 the fault harness (shop-faults.ts) hooks its events, its deliver() and its HTTP
 * replies, and the parent may arm faults and run settlement.
 */
import path from "node:path";
import { type DemoShopOptions, startDemoShop } from "@quickpay/vendor-sdk";
import { requireSetting, runPlayer } from "./run";
import { ShopFaults } from "./shop-faults";
import type { ShopCommands, ShopFacts } from "./types";

/** The shop's own deliver(), as its wrapDeliver hook receives it. */
type DemoDeliver = Parameters<NonNullable<DemoShopOptions["wrapDeliver"]>>[0];

await runPlayer<ShopFacts, ShopCommands>("shop", async (env) => {
  const faults = env.faults ? new ShopFaults() : undefined;
  faults?.watchHttp();
  const options: DemoShopOptions = {
    hostUrl: requireSetting(env.hostUrl, "QUICKPAY_HOST_URL"),
    port: env.port,
    dataDir: path.join(env.dataDir, "demo-shop"),
    logLevel: env.logLevel,
    // `npm run bench:wallet` gives the shop its shelf of bench items (scripts/bench/wallet.ts).
    benchArticles: benchArticles(),
    // The demo settles its delivered orders every minute, so the bank takes the cent and pays the shop
    // while you watch; under the fault harness the tests settle when they choose.
    ...(faults ? {} : { settleEveryMs: settleEveryMs() }),
    ...(faults
      ? { onEvent: faults.onEvent, wrapDeliver: (deliver: DemoDeliver) => faults.wrapDeliver(deliver) }
      : {}),
  };
  const shop = await startDemoShop(options);
  const facts: ShopFacts = {
    player: "shop",
    pid: process.pid,
    url: shop.url,
    port: Number(new URL(shop.url).port),
    vendorId: shop.vendorId,
    endpoint: shop.endpoint,
  };
  return {
    facts,
    close: () => shop.close(),
    commands: {
      facts: async () => facts,
      async arm(request) {
        faults!.arm(request);
        return null;
      },
      async disarm({ point }) {
        faults!.disarm(point);
        return null;
      },
      continue: async ({ point }) => ({ released: faults!.release(point) }),
      settle: () => shop.settle(),
      flushOutbox: () => shop.flushOutbox(),
    },
  };
});

/** QUICKPAY_SETTLE_EVERY_MS (default 60 s; 0 = only on demand). */
function settleEveryMs(): number {
  const raw = process.env.QUICKPAY_SETTLE_EVERY_MS ?? "60000";
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0)
    throw new Error(`QUICKPAY_SETTLE_EVERY_MS must be a whole number of ms, got "${raw}"`);
  return ms;
}

/** QUICKPAY_SHOP_BENCH_ARTICLES (default 0: no bench page). */
function benchArticles(): number {
  const raw = process.env.QUICKPAY_SHOP_BENCH_ARTICLES ?? "0";
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 10_000)
    throw new Error(`QUICKPAY_SHOP_BENCH_ARTICLES must be a whole number up to 10000, got "${raw}"`);
  return n;
}

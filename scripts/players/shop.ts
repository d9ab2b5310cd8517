/**
 * The demo shop as its own process: its vendor key and delivery records in the data dir (so a
 * restart is the same vendor with the same orders), registered with the host on every start. With
 * QUICKPAY_FAULTS=1 the fault harness (shop-faults.ts) hooks its events, its deliver() and its HTTP
 * replies, and the parent may arm faults and run settlement.
 */
import path from "node:path";
import { type DemoShopOptions, type RunningShop, startDemoShop } from "@quickpay/vendor-sdk";
import { requireSetting, runPlayer } from "./run";
import { type HarnessVendorEvent, ShopFaults } from "./shop-faults";
import type { ShopCommands, ShopFacts } from "./types";

/** The demo shop's test hooks and operator calls (vendor-sdk's startDemoShop / RunningShop). */
type Deliver<I, O, R> = (item: I, order: O) => Promise<R>;
interface ShopHooks {
  onEvent?: (event: HarnessVendorEvent) => Promise<void>;
  wrapDeliver?: <I extends { id: string }, O, R>(deliver: Deliver<I, O, R>) => Deliver<I, O, R>;
}
type OperatedShop = RunningShop & { settle?: () => Promise<unknown>; flushOutbox?: () => Promise<unknown> };

await runPlayer<ShopFacts, ShopCommands>("shop", async (env) => {
  const faults = env.faults ? new ShopFaults() : undefined;
  faults?.watchHttp();
  const options: DemoShopOptions & ShopHooks = {
    hostUrl: requireSetting(env.hostUrl, "QUICKPAY_HOST_URL"),
    port: env.port,
    dataDir: path.join(env.dataDir, "demo-shop"),
    logLevel: env.logLevel,
    ...(faults
      ? {
          onEvent: faults.onEvent,
          wrapDeliver: <I extends { id: string }, O, R>(deliver: Deliver<I, O, R>) =>
            faults.wrapDeliver(deliver),
        }
      : {}),
  };
  const shop: OperatedShop = await startDemoShop(options);
  const facts: ShopFacts = {
    player: "shop",
    pid: process.pid,
    url: shop.url,
    port: Number(new URL(shop.url).port),
    vendorId: shop.vendorId,
    endpoint: shop.endpoint,
  };
  const operatorCall = (name: "settle" | "flushOutbox") => {
    const call = shop[name];
    if (!call) throw new Error(`this vendor-sdk's demo shop has no ${name}()`);
    return call.call(shop);
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
      settle: () => operatorCall("settle"),
      flushOutbox: () => operatorCall("flushOutbox"),
    },
  };
});

/**
 * Runs the demo shop: HOST_URL, SHOP_PORT (default 7702), SHOP_DATA (default .data/demo-shop),
 * SHOP_SETTLE_EVERY_MS (periodic settlement; default off), LOG_LEVEL.
 */
import path from "node:path";
import { startDemoShop } from "./shop";

const port = Number(process.env.SHOP_PORT ?? 7702);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`SHOP_PORT must be a port number, got "${process.env.SHOP_PORT}"`);
  process.exit(2);
}
const settleEveryMs = Number(process.env.SHOP_SETTLE_EVERY_MS ?? 0);
if (!Number.isInteger(settleEveryMs) || settleEveryMs < 0) {
  console.error(
    `SHOP_SETTLE_EVERY_MS must be a whole number of milliseconds, got "${process.env.SHOP_SETTLE_EVERY_MS}"`,
  );
  process.exit(2);
}
const shop = await startDemoShop({
  hostUrl: process.env.HOST_URL ?? "http://127.0.0.1:7700",
  port,
  dataDir: path.resolve(process.env.SHOP_DATA ?? ".data/demo-shop"),
  logLevel: process.env.LOG_LEVEL ?? "warn",
  settleEveryMs,
});
console.log(`${shop.url}  The Daily Cent (vendor ${shop.vendorId}, endpoint ${shop.endpoint})`);

const stop = async () => {
  await shop.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

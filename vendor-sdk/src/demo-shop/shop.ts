/**
 * The demo shop, "The Daily Cent": a news site selling one-cent articles. It keeps a vendor key in its
 * data dir, registers with the host (proving its origin with `/.well-known/quickpay.json`, which it
 * serves from its key), serves its front page and the pay button, and mounts the vendor handlers under
 * `/quickpay`. Article bodies leave the server only through Request Order Delivery.
 */
import path from "node:path";
import { type ServerType, serve } from "@hono/node-server";
import { answerClientError, type Order, QuickPayError, VENDOR_ORIGIN_PROOF_PATH } from "@quickpay/protocol";
import { Hono } from "hono";
import pino from "pino";
import { buildButton } from "../button/build";
import { defineCatalog } from "../server/catalog";
import type { VendorEvent } from "../server/events";
import { JsonLinesVendorStore } from "../server/file-store";
import { createVendorHandlers } from "../server/handlers";
import { errorResponse } from "../server/http";
import type { FlushResult } from "../server/outbox";
import { originProofResponse, registerVendor } from "../server/register";
import type { SettleReport } from "../server/settlement";
import { MemoryVendorStore, type VendorStore } from "../server/store";
import type { DeliveredContent } from "../server/types";
import { type Article, articles, benchArticles } from "./articles";
import { loadOrCreateVendorKey } from "./keys";
import { benchPage, frontPage, getWalletPage, SHOP_NAME } from "./pages";

export interface DemoShopOptions {
  hostUrl: string;
  /** 0 (a free port) when omitted. */
  port?: number;
  /** Keeps the vendor key and the delivery outbox; both in memory (a new vendor each run) when omitted. */
  dataDir?: string;
  logLevel?: string;
  /** Hears every step of Request Order Delivery (passed to the handlers; see `VendorEvent`). */
  onEvent?: (event: VendorEvent) => void | Promise<void>;
  /**
   * Wraps the shop's `deliver()` (a fault test makes it throw once, or pauses it). Receives the
   * shop's own; what it returns is what the handlers call.
   */
  wrapDeliver?: (deliver: DemoDeliver) => DemoDeliver;
  /** Runs `settle()` this often in the background; 0 or omitted = only when called. */
  settleEveryMs?: number;
  /**
   * `npm run bench:wallet` only: sells this many more one-cent items on a `/bench` page, whose bodies
   * are also served free at `/bench/free/<id>` (the benchmark's floor). 0 or omitted: no bench page.
   */
  benchArticles?: number;
}

export type DemoDeliver = (article: Article, order: Order) => Promise<DeliveredContent>;

export interface RunningShop {
  /** The shop's origin, e.g. `http://127.0.0.1:7702` — registered as the vendor's only origin. */
  url: string;
  /** The registered QuickPay endpoint, `${url}/quickpay`. */
  endpoint: string;
  vendorId: string;
  /** Settle With Broker (then Host) for every delivered, unsettled order now. */
  settle(): Promise<SettleReport>;
  /** Sends every pending Register Delivery now. */
  flushOutbox(): Promise<FlushResult>;
  close(): Promise<void>;
}

export async function startDemoShop(options: DemoShopOptions): Promise<RunningShop> {
  const logger = pino({ name: "demo-shop", level: options.logLevel ?? process.env.LOG_LEVEL ?? "silent" });
  const keys = loadOrCreateVendorKey(options.dataDir);
  const { code: buttonJs } = await buildButton({ write: false });
  const store: VendorStore = options.dataDir
    ? new JsonLinesVendorStore(path.join(options.dataDir, "deliveries.jsonl"))
    : new MemoryVendorStore();

  // The handlers need the shop's URL (the delivery URL), which is known once the port is bound.
  let handlers: ReturnType<typeof createVendorHandlers> | undefined;
  let shopUrl = "";
  const app = new Hono();
  app.get("/", (c) => c.html(frontPage(articles, shopUrl)));
  app.get("/get-wallet", (c) => c.html(getWalletPage()));
  const bench = benchArticles(options.benchArticles ?? 0);
  if (bench.length > 0) {
    const benchBodies = new Map(bench.map((a) => [a.id, a.bodyHtml]));
    app.get("/bench", (c) => c.html(benchPage(bench, shopUrl)));
    app.get("/bench/free/:id", (c) => {
      const body = benchBodies.get(c.req.param("id"));
      return body === undefined ? c.notFound() : c.html(body);
    });
  }
  app.get("/favicon.ico", (c) => c.body(null, 204));
  // The origin proof: the host fetches it while registering this shop, and finds the shop's key.
  app.get(VENDOR_ORIGIN_PROOF_PATH, (c) => originProofResponse(c.req.raw, keys.publicKey) ?? c.notFound());
  app.get("/quickpay-button.js", (c) =>
    c.body(buttonJs, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" }),
  );
  app.all("/quickpay/*", async (c) => {
    // Until the handlers exist the shop is starting (a restart, and a Wallet resending): "not now".
    if (!handlers) return errorResponse(new QuickPayError("vendor_unreachable", "the shop is starting"));
    const response = await handlers.handle(c.req.raw);
    return response ?? errorResponse(new QuickPayError("not_found", `no QuickPay route ${c.req.path}`));
  });

  const server = await listen(app, options.port ?? 0);
  const port = (server.address() as { port: number }).port;
  shopUrl = `http://127.0.0.1:${port}`;
  const endpoint = `${shopUrl}/quickpay`;
  const closeServer = () =>
    new Promise<void>((resolve) => {
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      server.close(() => resolve());
    });

  let vendorId: string;
  try {
    vendorId = await registerVendor(options.hostUrl, keys, { name: SHOP_NAME, origins: [shopUrl], endpoint });
    handlers = createVendorHandlers({
      vendorId,
      privateKey: keys.privateKey,
      hostUrl: options.hostUrl,
      endpoint,
      catalog: defineCatalog([...articles, ...bench]),
      deliver: options.wrapDeliver ? options.wrapDeliver(deliverArticle) : deliverArticle,
      store,
      logger,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    // Registrations queued while the host was away during the last run go out now.
    await handlers.flushOutbox();
  } catch (error) {
    await handlers?.close();
    await closeServer();
    await store.close?.();
    throw error;
  }
  const running = handlers;
  // One settlement at a time: a periodic run and an explicit call never send the same orders at once.
  let settling: Promise<unknown> = Promise.resolve();
  const settle = (): Promise<SettleReport> => {
    const run = settling.then(() => running.settlePending());
    settling = run.catch(() => undefined);
    return run;
  };
  const settleTimer =
    options.settleEveryMs && options.settleEveryMs > 0
      ? setInterval(() => {
          settle().catch((error) => logger.error({ err: error }, "periodic settlement failed"));
        }, options.settleEveryMs)
      : undefined;
  settleTimer?.unref();
  logger.info({ url: shopUrl, vendorId }, "demo shop ready");

  return {
    url: shopUrl,
    endpoint,
    vendorId,
    settle,
    flushOutbox: () => running.flushOutbox(),
    async close() {
      if (settleTimer) clearInterval(settleTimer);
      await settling;
      await running.close();
      await closeServer();
      await store.close?.();
    },
  };
}

const deliverArticle: DemoDeliver = async (article) => ({ mediaType: "text/html", body: article.bodyHtml });

function listen(app: Hono, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => resolve(server));
    server.once("error", reject);
    // What node's HTTP parser cannot read gets the project's error shape and `Connection: close`.
    server.on("clientError", answerClientError);
  });
}

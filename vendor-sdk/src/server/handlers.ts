/**
 * The vendor's two micropayment endpoints as Fetch-API handlers (`Request → Response`), usable from
 * any framework: Get Order (sign an order for an item) and Request Order Delivery (the durable
 * state machine in delivery.ts: accept, deliver, Check Commit with the broker, Register Delivery
 * with the host, release the goods).
 */
import {
  DirectoryClient,
  endpointUrl,
  GetOrder,
  playerIdFor,
  publicKeyFromPrivate,
  QuickPayError,
  RequestOrderDelivery,
} from "@quickpay/protocol";
import { assertSellable, checkCatalog } from "./catalog";
import type { Item, VendorConfig, VendorLogger } from "./config";
import { createOrderDelivery } from "./delivery";
import { eventEmitter } from "./events";
import { errorResponse, json, methodNotAllowed, preflight, readBody } from "./http";
import { buildSignedOrder } from "./orders";
import { DeliveryRegistrar, type FlushResult } from "./outbox";
import { originProofResponse } from "./register";
import { type SettleReport, settlePending } from "./settlement";
import { MemoryVendorStore } from "./store";

export interface VendorHandlers {
  /** `POST …/v1/get-order` `{ itemId }` → SignedOrder. */
  getOrder(req: Request): Promise<Response>;
  /** `POST …/v1/request-order-delivery` `{ order, endorsement }` → `{ orderDigest, commitId, content, deliveredAt }`. */
  requestOrderDelivery(req: Request): Promise<Response>;
  /**
   * Routes by path suffix (and answers CORS preflights), and serves `GET /.well-known/quickpay.json`
   * (the origin proof listing this vendor's key) when mounted at the origin's root; null for any other path.
   */
  handle(req: Request): Promise<Response | null>;
  /** Sends every pending Register Delivery now (tests, shutdown hooks, after fixing a refused one). */
  flushOutbox(): Promise<FlushResult>;
  /** Settle With Broker (falling back to Settle With Host) for delivered, unsettled orders. */
  settlePending(): Promise<SettleReport>;
  /** Stops the outbox's retry timer and waits for a send under way. Does not close the store (the vendor owns it). */
  close(): Promise<void>;
}

const silent: VendorLogger = { info() {}, warn() {}, error() {} };

export function createVendorHandlers<I extends Item>(config: VendorConfig<I>): VendorHandlers {
  const now = config.now ?? (() => new Date());
  const vendorPublicKey = publicKeyFromPrivate(config.privateKey);
  if (playerIdFor("vendor", vendorPublicKey) !== config.vendorId) {
    throw new QuickPayError(
      "invalid_request",
      `vendorId ${config.vendorId} does not belong to this private key`,
    );
  }
  // A catalogue that lists its items is checked now: a bad entry stops the shop, not a shopper's click.
  if (config.catalog.items) checkCatalog(config.catalog.items);
  const signer = { playerId: config.vendorId, privateKey: config.privateKey };
  const fetchOption = config.fetch ? { fetch: config.fetch } : {};
  const logger = config.logger ?? silent;
  const store = config.store ?? new MemoryVendorStore();
  const directory = new DirectoryClient(config.hostUrl, {
    now: () => now().getTime(),
    ...(config.directoryTtlMs !== undefined ? { ttlMs: config.directoryTtlMs } : {}),
    ...fetchOption,
  });
  const registrar = new DeliveryRegistrar({
    store,
    signer,
    hostUrl: config.hostUrl,
    now,
    logger,
    ...fetchOption,
    ...(config.registerTimeoutMs !== undefined ? { timeoutMs: config.registerTimeoutMs } : {}),
    ...(config.outboxTimer !== undefined ? { timer: config.outboxTimer } : {}),
  });
  registrar.start();
  const delivery = createOrderDelivery({
    config,
    vendorPublicKey,
    signer,
    store,
    directory,
    registrar,
    logger,
    emit: eventEmitter(config.onEvent, logger),
    now,
    fetchOption,
  });

  function deliveryUrlFor(req: Request): string {
    if (config.endpoint) return endpointUrl(config.endpoint, RequestOrderDelivery.path);
    const url = new URL(req.url);
    if (!url.pathname.endsWith(GetOrder.path)) {
      throw new QuickPayError(
        "internal",
        "set `endpoint` in the vendor config: cannot derive the delivery URL",
      );
    }
    url.pathname = url.pathname.slice(0, -GetOrder.path.length) + RequestOrderDelivery.path;
    url.search = "";
    return url.toString();
  }

  async function getOrder(req: Request): Promise<Response> {
    try {
      if (req.method === "OPTIONS") return preflight();
      if (req.method !== "POST") return methodNotAllowed();
      const { itemId } = await readBody(req, GetOrder.body);
      const found = await config.catalog.get(itemId);
      if (!found) throw new QuickPayError("not_found", `this shop sells no item ${itemId}`);
      let item: I;
      try {
        item = assertSellable(found, itemId);
      } catch (error) {
        const e = error as QuickPayError;
        logger.error(
          { itemId, code: e.code, problems: (e.details as { problems?: string[] }).problems },
          `catalogue item ${itemId} cannot be sold (${e.code}); no order was signed — fix the catalogue`,
        );
        throw error;
      }
      const signed = await buildSignedOrder(config.privateKey, {
        vendorId: config.vendorId,
        item: { ...item, id: itemId },
        deliveryUrl: deliveryUrlFor(req),
        now: now(),
        ...(config.orderTtlMs !== undefined ? { ttlMs: config.orderTtlMs } : {}),
      });
      return json(200, signed);
    } catch (error) {
      return errorResponse(error);
    }
  }

  async function requestOrderDelivery(req: Request): Promise<Response> {
    try {
      if (req.method === "OPTIONS") return preflight();
      if (req.method !== "POST") return methodNotAllowed();
      const body = await readBody(req, RequestOrderDelivery.body);
      return json(200, await delivery.requestOrderDelivery(body.order, body.endorsement));
    } catch (error) {
      const e = error instanceof QuickPayError ? error : undefined;
      // A failing deliver() was logged where it failed; a broker or host away is the network's weather.
      if (!e || e.code === "internal") logger.error({ err: error }, "request-order-delivery failed");
      else if (e.status >= 500 && e.code !== "delivery_failed") {
        logger.warn({ code: e.code, message: e.message }, "request-order-delivery could not finish yet");
      }
      return errorResponse(error);
    }
  }

  async function handle(req: Request): Promise<Response | null> {
    // The origin proof the host fetches at Register Vendor, when these handlers serve the origin's root.
    const proof = originProofResponse(req, vendorPublicKey);
    if (proof) return proof;
    const path = new URL(req.url).pathname;
    if (path.endsWith(GetOrder.path)) return getOrder(req);
    if (path.endsWith(RequestOrderDelivery.path)) return requestOrderDelivery(req);
    return null;
  }

  return {
    getOrder,
    requestOrderDelivery,
    handle,
    flushOutbox: () => registrar.flush(),
    settlePending: () =>
      settlePending({
        vendorId: config.vendorId,
        privateKey: config.privateKey,
        hostUrl: config.hostUrl,
        store,
        now,
        ...fetchOption,
        logger,
      }),
    close: () => registrar.stop(),
  };
}

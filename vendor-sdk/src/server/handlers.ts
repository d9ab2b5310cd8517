/**
 * The vendor's two micropayment endpoints as Fetch-API handlers (`Request → Response`), usable from
 * any framework: Get Order (sign an order for an item) and Request Order Delivery (verify the order
 * and the broker's endorsement, Check Commit with the broker, Register Delivery with the host,
 * deliver the goods).
 */
import {
  canonicalJson,
  DeliveredContent,
  DirectoryClient,
  endpointUrl,
  GetOrder,
  type Order,
  orderDigest,
  playerIdFor,
  publicKeyFromPrivate,
  QuickPayError,
  RequestOrderDelivery,
  type SignedEndorsement,
  type SignedOrder,
  sendMessage,
  sha256Hex,
  signEnvelope,
} from "@quickpay/protocol";
import type { Item, VendorConfig, VendorLogger } from "./config";
import { errorResponse, json, methodNotAllowed, preflight, readBody } from "./http";
import { derivedMessageId } from "./message-ids";
import { assertLive, buildSignedOrder, itemIdOf, verifyEndorsement, verifyOwnOrder } from "./orders";
import { DeliveryRegistrar, type FlushResult } from "./outbox";
import { type SettleReport, settlePending } from "./settlement";
import { MemoryVendorStore, type PendingRegistration } from "./store";
import type { DeliveryReply } from "./types";

export interface VendorHandlers {
  /** `POST …/v1/get-order` `{ itemId }` → SignedOrder. */
  getOrder(req: Request): Promise<Response>;
  /** `POST …/v1/request-order-delivery` `{ order, endorsement }` → `{ orderDigest, commitId, content, deliveredAt }`. */
  requestOrderDelivery(req: Request): Promise<Response>;
  /** Routes by path suffix (and answers CORS preflights); null for any other path. */
  handle(req: Request): Promise<Response | null>;
  /** Sends every pending Register Delivery now (tests, shutdown hooks). */
  flushOutbox(): Promise<FlushResult>;
  /** Settle With Broker (falling back to Settle With Host) for delivered, unsettled orders. */
  settlePending(): Promise<SettleReport>;
  /** Stops the outbox retry timer. Does not close the store (the vendor owns it). */
  close(): void;
}

/**
 * Broker refusals the Wallet can act on: they are about the commitment (or the broker being away).
 * Anything else — the broker refusing the vendor's own envelope (`bad_signature`, `stale_message`, …) —
 * is this vendor's problem, and telling the Wallet "bad_signature" would blame its endorsement.
 */
const commitmentErrors = new Set<string>([
  "unknown_commit",
  "already_settled",
  "revoked",
  "order_expired",
  "mismatch",
  "conflict",
  "suspended",
  "rate_limited",
  "broker_unreachable",
]);

function forWallet(error: unknown): unknown {
  if (!(error instanceof QuickPayError) || commitmentErrors.has(error.code)) return error;
  return new QuickPayError("internal", `the broker refused this vendor's Check Commit (${error.code})`, {
    brokerError: error.code,
  });
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
    ...(config.outboxRetryMs !== undefined ? { retryMs: config.outboxRetryMs } : {}),
  });
  registrar.start();
  /** Deliveries under way, by commit id: a concurrent repeat waits for the first instead of racing it. */
  const inFlight = new Map<string, Promise<DeliveryReply>>();

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
      const item = await config.catalog.get(itemId);
      if (!item) throw new QuickPayError("not_found", `this shop sells no item ${itemId}`);
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
      return json(200, await deliverOnce(body.order, body.endorsement));
    } catch (error) {
      const e = error instanceof QuickPayError ? error : undefined;
      if (!e || e.status >= 500) logger.error({ err: error }, "request-order-delivery failed");
      return errorResponse(error);
    }
  }

  /** Exactly one Check Commit and one delivery per commitment, however often the Wallet asks. */
  async function deliverOnce(signedOrder: SignedOrder, signedEndorsement: SignedEndorsement) {
    const commitId = signedEndorsement.endorsement.commitId;
    const requestDigest = sha256Hex(canonicalJson({ order: signedOrder, endorsement: signedEndorsement }));
    const previous = await store.findDelivery(commitId);
    // The very request already verified and answered: answer it again, whatever the clock says now.
    if (previous?.requestDigest === requestDigest) return previous.reply;

    await verifyOwnOrder(signedOrder, config.vendorId, vendorPublicKey);
    const digest = orderDigest(signedOrder.order);
    const broker = await directory.active(signedEndorsement.endorsement.brokerId, "broker");
    await verifyEndorsement(signedEndorsement, signedOrder.order, digest, broker.publicKey);
    if (previous) {
      if (previous.orderDigest === digest) return previous.reply;
      throw new QuickPayError("conflict", `commitment ${commitId} was already used for another order`);
    }

    let running = inFlight.get(commitId);
    if (!running) {
      running = deliverFresh(signedOrder, signedEndorsement, digest, requestDigest, broker.endpoint).finally(
        () => inFlight.delete(commitId),
      );
      inFlight.set(commitId, running);
    }
    return running;
  }

  async function deliverFresh(
    signedOrder: SignedOrder,
    signedEndorsement: SignedEndorsement,
    digest: string,
    requestDigest: string,
    brokerEndpoint: string,
  ): Promise<DeliveryReply> {
    const { order } = signedOrder;
    const { endorsement } = signedEndorsement;
    // A concurrent repeat that verified while the first was finishing: the first's answer stands.
    const finished = await store.findDelivery(endorsement.commitId);
    if (finished) return finished.reply;
    assertLive(signedOrder, signedEndorsement, now());
    const itemId = itemIdOf(order.orderId);
    const item = itemId === undefined ? undefined : await config.catalog.get(itemId);
    // Checked before Check Commit, so the shopper's funds are never claimed for goods we cannot give.
    if (!item)
      throw new QuickPayError("not_found", `order ${order.orderId} is for an item this shop no longer sells`);

    await checkCommit(brokerEndpoint, endorsement.commitId, digest, order);

    const content = DeliveredContent.safeParse(await config.deliver(item, order));
    if (!content.success)
      throw new QuickPayError("internal", `deliver() returned invalid content for ${item.id}`);
    const reply: DeliveryReply = {
      orderDigest: digest,
      commitId: endorsement.commitId,
      content: content.data,
      deliveredAt: now().toISOString(),
    };
    const registration: PendingRegistration = {
      messageId: derivedMessageId(
        "register-delivery",
        config.vendorId,
        endorsement.commitId,
        order.createdAt,
      ),
      facts: {
        orderDigest: digest,
        commitId: endorsement.commitId,
        vendorId: config.vendorId,
        amount: order.amount,
      },
      queuedAt: reply.deliveredAt,
      attempts: 0,
      nextAttemptAt: reply.deliveredAt,
    };
    // Durable before the Wallet sees the content: an acknowledged delivery is never lost to the host.
    await store.recordDelivery(
      {
        commitId: endorsement.commitId,
        orderDigest: digest,
        requestDigest,
        reply,
        endorsement: signedEndorsement,
      },
      registration,
    );
    await registrar.attempt(registration);
    return reply;
  }

  /** Check Commit (Vendor → Broker): a "live" answer binds the held funds to this vendor. */
  async function checkCommit(brokerEndpoint: string, commitId: string, digest: string, order: Order) {
    const envelope = await signEnvelope(
      signer,
      "CheckCommit",
      { commitId, orderDigest: digest, vendorId: config.vendorId, amount: order.amount },
      { id: derivedMessageId("check-commit", config.vendorId, commitId, order.createdAt), at: now() },
    );
    const reply = await sendMessage(brokerEndpoint, "CheckCommit", envelope, fetchOption).catch((error) => {
      throw forWallet(error);
    });
    if (reply.commitId !== commitId) {
      throw new QuickPayError(
        "mismatch",
        `the broker answered for commitment ${reply.commitId}, not ${commitId}`,
      );
    }
  }

  async function handle(req: Request): Promise<Response | null> {
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

/**
 * Request Order Delivery as a durable state machine, idempotent by commitId (DESIGN §4.2.1,
 * "exactly-once purchase"): verify → ACCEPTED → `deliver()` → PREPARED → Check Commit → DELIVERED
 * (+ Register Delivery, one write) → the content; or REFUSED. Each state is on disk before the next
 * step starts, so a repeat — or a restarted process — continues from where the last one stopped.
 */
import {
  attemptError,
  canonicalJson,
  DeliveredContent as DeliveredContentSchema,
  type DirectoryClient,
  type FetchLike,
  OneAtATime,
  type Order,
  orderDigest,
  QuickPayError,
  receiptValidUntil,
  type SignedEndorsement,
  type SignedOrder,
  type Signer,
  sendMessage,
  sha256Hex,
  signEnvelope,
} from "@quickpay/protocol";
import type { Item, VendorConfig, VendorLogger } from "./config";
import type { VendorEvent, VendorEventSubject } from "./events";
import { toQuickPayError } from "./http";
import { derivedMessageId } from "./message-ids";
import { assertLive, itemIdOf, verifyEndorsement, verifyOwnOrder } from "./orders";
import type { DeliveryRegistrar } from "./outbox";
import type {
  AcceptedDelivery,
  DeliveredDelivery,
  PendingRegistration,
  PreparedDelivery,
  RefusedDelivery,
  VendorStore,
} from "./store";
import type { DeliveredContent, DeliveryReply } from "./types";

export interface OrderDeliveryDeps<I extends Item> {
  config: VendorConfig<I>;
  vendorPublicKey: string;
  signer: Signer;
  store: VendorStore;
  directory: DirectoryClient;
  registrar: DeliveryRegistrar;
  logger: VendorLogger;
  emit(event: VendorEvent): Promise<void>;
  now(): Date;
  fetchOption: { fetch?: FetchLike };
}

/**
 * Check Commit refusals that settle the order for good: the commitment is gone, bound elsewhere,
 * revoked or paid. The order is recorded REFUSED and every repeat gets the same answer.
 */
const definitiveRefusals = new Set<string>([
  "order_expired",
  "unknown_commit",
  "mismatch",
  "revoked",
  "already_settled",
  "conflict",
]);

/**
 * Other broker refusals the Wallet can act on (the broker being away or throttling, its directory
 * entry suspended). Anything else — the broker refusing the vendor's own envelope (`bad_signature`,
 * `stale_message`, …) — is this vendor's problem, and telling the Wallet "bad_signature" would
 * blame its endorsement: it becomes `internal` with `details.brokerError`.
 */
const passedOn = new Set<string>(["suspended", "rate_limited", "broker_unreachable"]);

function forWallet(error: unknown): unknown {
  if (!(error instanceof QuickPayError) || passedOn.has(error.code) || definitiveRefusals.has(error.code)) {
    return error;
  }
  return new QuickPayError("internal", `the broker refused this vendor's Check Commit (${error.code})`, {
    brokerError: error.code,
  });
}

/** A Wallet's request, once verified: the order it presents and which record it is about. */
interface Admitted {
  signedOrder: SignedOrder;
  signedEndorsement: SignedEndorsement;
  digest: string;
  requestDigest: string;
  itemId: string;
}

export function createOrderDelivery<I extends Item>(deps: OrderDeliveryDeps<I>) {
  const { config, store, logger, emit, now } = deps;
  /**
   * Requests by commit id, one at a time (the broker kit's rule for message ids): a concurrent copy
   * waits for the one under way, then finds its record — the stored answer for the same order,
   * `conflict` for another — instead of racing it to `deliver()` or answering with another order's
   * content.
   */
  const byCommit = new OneAtATime();

  const subjectOf = (r: { orderDigest: string; commitId: string; itemId: string }): VendorEventSubject => ({
    orderDigest: r.orderDigest,
    commitId: r.commitId,
    itemId: r.itemId,
    at: now().toISOString(),
  });

  /** Answers one Request Order Delivery: the content, or throws the QuickPayError to answer with. */
  async function requestOrderDelivery(
    signedOrder: SignedOrder,
    signedEndorsement: SignedEndorsement,
  ): Promise<DeliveryReply> {
    const admitted = await admit(signedOrder, signedEndorsement);
    const commitId = signedEndorsement.endorsement.commitId;
    const subject = { orderDigest: admitted.digest, commitId, itemId: admitted.itemId };
    try {
      const reply = await byCommit.run(commitId, () => advance(admitted));
      await emit({ type: "answered", ...subjectOf(subject), status: 200, state: "delivered" });
      return reply;
    } catch (error) {
      const e = toQuickPayError(error);
      const state = (await store.findDelivery(commitId).catch(() => undefined))?.state;
      await emit({
        type: "answered",
        ...subjectOf(subject),
        status: e.status,
        code: e.code,
        ...(state ? { state } : {}),
      });
      throw e;
    }
  }

  /**
   * The order must be this vendor's, the endorsement the named broker's over exactly that order,
   * and a commitment already on record must be for the same order. A byte-identical repeat of a
   * request on record was verified then and is not verified again (so a receipt is honoured while
   * the host's directory is away).
   */
  async function admit(signedOrder: SignedOrder, signedEndorsement: SignedEndorsement): Promise<Admitted> {
    const { commitId, brokerId } = signedEndorsement.endorsement;
    const requestDigest = sha256Hex(canonicalJson({ order: signedOrder, endorsement: signedEndorsement }));
    const previous = await store.findDelivery(commitId);
    if (previous?.requestDigest === requestDigest) {
      return {
        signedOrder,
        signedEndorsement,
        digest: previous.orderDigest,
        requestDigest,
        itemId: previous.itemId,
      };
    }
    await verifyOwnOrder(signedOrder, config.vendorId, deps.vendorPublicKey);
    const digest = orderDigest(signedOrder.order);
    const broker = await deps.directory.active(brokerId, "broker");
    await verifyEndorsement(signedEndorsement, signedOrder.order, digest, broker.publicKey);
    if (previous && previous.orderDigest !== digest) {
      throw new QuickPayError("conflict", `commitment ${commitId} was already used for another order`);
    }
    const itemId = previous?.itemId ?? itemIdOf(signedOrder.order.orderId);
    if (itemId === undefined) {
      throw new QuickPayError("not_found", `order ${signedOrder.order.orderId} names no item of this shop`);
    }
    return { signedOrder, signedEndorsement, digest, requestDigest, itemId };
  }

  /**
   * Moves the order on from its stored state until it is answered. One run per commit id at a time,
   * so the record read here is the one this run writes on: a commitment already recorded for
   * another order (admitted before that record was written) is `conflict`, never its content.
   */
  async function advance(admitted: Admitted): Promise<DeliveryReply> {
    const { signedOrder, signedEndorsement } = admitted;
    const { commitId } = signedEndorsement.endorsement;
    let record = await store.findDelivery(commitId);
    if (record && record.orderDigest !== admitted.digest) {
      throw new QuickPayError("conflict", `commitment ${commitId} was already used for another order`);
    }
    if (!record) {
      // Nothing is recorded for an order that comes in expired: nothing was accepted, nothing charged.
      assertLive(signedOrder, signedEndorsement, now());
      record = await accept(admitted);
    }
    const order = signedOrder.order;
    for (;;) {
      switch (record.state) {
        case "accepted":
          record = await prepare(record, order);
          break;
        case "prepared":
          // The request that confirms the commitment gets the content, whatever the receipt policy.
          return (await confirm(record, order)).reply;
        case "delivered":
          return fromReceipt(record, order);
        case "refused":
          throw new QuickPayError(record.refusal.code, record.refusal.message);
      }
    }
  }

  async function accept(admitted: Admitted): Promise<AcceptedDelivery> {
    const accepted: AcceptedDelivery = {
      state: "accepted",
      commitId: admitted.signedEndorsement.endorsement.commitId,
      orderDigest: admitted.digest,
      itemId: admitted.itemId,
      requestDigest: admitted.requestDigest,
      endorsement: admitted.signedEndorsement,
      acceptedAt: now().toISOString(),
      attempts: 0,
    };
    await store.saveDelivery(accepted);
    await emit({ type: "order_accepted", ...subjectOf(accepted) });
    return accepted;
  }

  /**
   * ACCEPTED → PREPARED: `deliver()` produces the content, which is kept but not released. Past the
   * endorsement's expiry Check Commit was never sent, so the broker will release (or has released)
   * the hold: refused `order_expired`, locally.
   */
  async function prepare(record: AcceptedDelivery, order: Order): Promise<PreparedDelivery> {
    const expiresAt = record.endorsement.endorsement.expiresAt;
    if (now().getTime() >= Date.parse(expiresAt)) {
      return refuse(
        record,
        new QuickPayError(
          "order_expired",
          `the endorsement expired at ${expiresAt} before the order could be delivered; nothing was charged`,
        ),
      );
    }
    let item: I | undefined;
    let content: DeliveredContent | undefined;
    try {
      // A catalogue that cannot answer (its database is down) fails like deliver() itself.
      item = await config.catalog.get(record.itemId);
      if (item) {
        const produced = DeliveredContentSchema.safeParse(await config.deliver(item, order));
        if (!produced.success) {
          throw new QuickPayError("internal", `deliver() returned invalid content for ${item.id}`, {
            issues: produced.error.issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`),
          });
        }
        content = produced.data;
      }
    } catch (error) {
      const attempts = record.attempts + 1;
      const at = now().toISOString();
      await store.saveDelivery({ ...record, attempts, lastError: { ...attemptError(error), at } });
      logger.error(
        {
          err: error,
          commitId: record.commitId,
          orderDigest: record.orderDigest,
          itemId: record.itemId,
          attempts,
        },
        "deliver() failed: the order stays accepted, nothing is charged, and the Wallet will ask again",
      );
      await emit({ type: "deliver_failed", ...subjectOf(record), error, attempts });
      throw new QuickPayError(
        "delivery_failed",
        "the shop could not produce this item right now; nothing has been charged, and asking again continues the order",
        { attempts },
      );
    }
    if (!item || !content) {
      return refuse(
        record,
        new QuickPayError(
          "not_found",
          `this shop no longer sells item ${record.itemId}; nothing was charged`,
        ),
      );
    }
    const { lastError: _cleared, ...rest } = record;
    const prepared: PreparedDelivery = {
      ...rest,
      state: "prepared",
      content,
      preparedAt: now().toISOString(),
    };
    await store.saveDelivery(prepared);
    await emit({ type: "order_prepared", ...subjectOf(prepared) });
    return prepared;
  }

  /**
   * PREPARED → DELIVERED: Check Commit under the commitment's derived message id (so a resend after
   * a crash, a lost answer or the endorsement's expiry is the same message, which the broker answers
   * from its record), then DELIVERED and its Register Delivery in one write. A definitive refusal
   * is recorded REFUSED; a transient failure leaves the record as it is for the next repeat.
   */
  async function confirm(record: PreparedDelivery, order: Order): Promise<DeliveredDelivery> {
    try {
      const broker = await deps.directory.active(record.endorsement.endorsement.brokerId, "broker");
      await checkCommit(broker.endpoint, record, order);
    } catch (error) {
      if (error instanceof QuickPayError && definitiveRefusals.has(error.code)) return refuse(record, error);
      await store.saveDelivery({ ...record, lastError: { ...attemptError(error), at: now().toISOString() } });
      throw forWallet(error);
    }
    await emit({ type: "commit_checked", ...subjectOf(record) });

    const deliveredAt = now().toISOString();
    const { content, preparedAt: _prepared, lastError: _cleared, ...rest } = record;
    const delivered: DeliveredDelivery = {
      ...rest,
      state: "delivered",
      reply: { orderDigest: record.orderDigest, commitId: record.commitId, content, deliveredAt },
    };
    const registration: PendingRegistration = {
      messageId: derivedMessageId("register-delivery", config.vendorId, record.commitId, order.createdAt),
      facts: {
        orderDigest: record.orderDigest,
        commitId: record.commitId,
        vendorId: config.vendorId,
        amount: order.amount,
      },
      queuedAt: deliveredAt,
      attempts: 0,
      nextAttemptAt: deliveredAt,
    };
    await store.recordDelivery(delivered, registration);
    deps.registrar.kick();
    await emit({ type: "order_delivered", ...subjectOf(delivered), deliveredAt });
    return delivered;
  }

  /** Records the refusal for good, then throws it. */
  async function refuse(record: AcceptedDelivery | PreparedDelivery, error: QuickPayError): Promise<never> {
    const { content: _content, preparedAt: _prepared, ...rest } = record as PreparedDelivery;
    const refused: RefusedDelivery = {
      ...rest,
      state: "refused",
      refusal: { code: error.code, message: error.message },
      refusedAt: now().toISOString(),
    };
    await store.saveDelivery(refused);
    await emit({ type: "order_refused", ...subjectOf(refused), code: error.code, message: error.message });
    throw new QuickPayError(error.code, error.message);
  }

  /** Check Commit (Vendor → Broker): a "live" answer binds the held funds to this vendor. */
  async function checkCommit(brokerEndpoint: string, record: PreparedDelivery, order: Order) {
    const { commitId } = record;
    const envelope = await signEnvelope(
      deps.signer,
      "CheckCommit",
      {
        commitId,
        orderDigest: record.orderDigest,
        vendorId: config.vendorId,
        amount: order.amount,
        // The broker refuses (`mismatch`) a kind other than the one it endorsed.
        kind: order.kind,
      },
      { id: derivedMessageId("check-commit", config.vendorId, commitId, order.createdAt), at: now() },
    );
    const reply = await sendMessage(brokerEndpoint, "CheckCommit", envelope, deps.fetchOption);
    if (reply.commitId !== commitId) {
      // The broker's own fault, not a verdict on the commitment: the record waits for a sane answer.
      throw new QuickPayError(
        "internal",
        `the broker answered for commitment ${reply.commitId}, not ${commitId}`,
      );
    }
  }

  /**
   * DELIVERED, asked again: the stored reply while the receipt is good, `receipt_expired` after.
   * `receiptValidUntil` always covers the Wallet's own retries (up to DELIVERY_RETRY_GRACE_MS after the
   * endorsement's expiry), so the answer to a paid order is never lost to a one-time item's policy.
   */
  function fromReceipt(record: DeliveredDelivery, order: Order): DeliveryReply {
    const until = receiptValidUntil(order, record.endorsement.endorsement);
    if (now().getTime() < until) return record.reply;
    throw new QuickPayError(
      "receipt_expired",
      `this shop re-delivered order ${record.orderDigest} until ${new Date(until).toISOString()}; the receipt is no longer good`,
      { receiptUntil: new Date(until).toISOString() },
    );
  }

  return { requestOrderDelivery };
}

/**
 * The micropayment engine (DESIGN §4.2.1, the Wallet's side), up to the person's answer: Get Order
 * and its checks, the confirmation window (Confirm Order), and the page's wait for the outcome. An
 * approval queues Inquiry Payment in the outbox in the same transaction that marks the purchase
 * `paying`; from there the outbox drives it (purchase-steps.ts). Every state is in IndexedDB, so a
 * confirmation survives a service-worker restart and an approved purchase is finished by whichever
 * worker runs next.
 */
import {
  type DirectoryClient,
  type FetchLike,
  newId,
  newMessageId,
  newPayerSalt,
  orderDigest,
  type PayProgress,
  type PayResult,
  QuickPayError,
  sendMessage,
} from "@quickpay/protocol";
import type { AllowancePeriod, ConfirmationView } from "../shared/messages";
import { type Allowances, checkedLimit } from "./allowances";
import { verifyOrder } from "./checks";
import type { ConfirmQueue } from "./confirm-queue";
import type { StoredPurchase, WalletDatabase } from "./db";
import type { Outbox } from "./outbox";
import type { PaycardHost } from "./paycard-host";
import { inquiryItem } from "./purchase-steps";
import { type Purchases, receiptUntilView } from "./purchases";
import { isFinished, progressOf, purchaseError } from "./words";

/** A page's wait for a purchase returns at least this often, so no runtime message stays open for long. */
export const AWAIT_POLL_MS = 25_000;

export interface PurchaseDeps {
  db: WalletDatabase;
  purchases: Purchases;
  directory: DirectoryClient;
  paycards: PaycardHost;
  outbox: Outbox;
  fetch?: FetchLike;
  now: () => Date;
  /** The one confirmation window and its queue. */
  queue: ConfirmQueue;
  awaitPollMs?: number;
  /** Per-vendor allowances: a micro order inside one is paid with no window. */
  allowances?: Allowances;
  /** Hears each purchase paid inside an allowance (the Wallet's toast: badge and title). */
  onAllowancePaid?: (p: StoredPurchase) => void;
  /** Whether the Wallet is locked: then no allowance pays (the window asks to unlock first). */
  locked?: () => Promise<boolean>;
}

export type AwaitOutcome = { result: PayResult } | { progress: PayProgress };

/** What the page gets for a purchase that ended with goods. */
export function payResultOf(p: StoredPurchase): PayResult | undefined {
  if (p.status === "restored") return p.restored?.result;
  if (p.status !== "delivered" || !p.receipt) return undefined;
  const order = p.signedOrder.order;
  return {
    status: "delivered",
    orderDigest: p.orderDigest,
    description: order.description,
    amount: order.amount,
    content: p.receipt.content,
    deliveredAt: p.receipt.deliveredAt,
  };
}

export class PurchaseEngine {
  constructor(private readonly deps: PurchaseDeps) {}

  private now(): Date {
    return this.deps.now();
  }

  /**
   * Get Order and everything checked before a person is asked. `origin` comes from the browser's
   * sender information, never from the page. Nothing opens for a page that is not a vendor's.
   */
  async startPurchase(origin: string, itemId: string): Promise<string> {
    // Taken before any await: the queue shows requests in the order the page made them.
    const queueOrder = this.deps.queue.arrival();
    const asked = this.now();
    const vendor = await this.deps.directory.vendorByOrigin(origin);
    await this.deps.queue.precheck(origin);
    const signed = await sendMessage(vendor.endpoint, "GetOrder", { itemId }, { fetch: this.deps.fetch });
    await verifyOrder(signed, vendor, this.now());
    const card = await this.deps.paycards.active();
    const at = asked.toISOString();
    const purchase: StoredPurchase = {
      id: newId(),
      origin,
      itemId,
      vendorId: vendor.id,
      vendor: { id: vendor.id, name: vendor.name ?? vendor.id, endpoint: vendor.endpoint },
      signedOrder: signed,
      orderDigest: orderDigest(signed.order),
      paycardId: card.paycardId,
      moduleId: card.moduleId,
      inquiryMessageId: newMessageId(),
      // Fresh per purchase, kept in this record: the broker tags the endorsement with it, and the
      // host counts this wallet's Register Order only when it opens that tag (DESIGN §4.2.2).
      payerSalt: newPayerSalt(),
      status: "confirming",
      queueOrder,
      deliveryFailures: 0,
      registered: false,
      createdAt: at,
      updatedAt: this.now().toISOString(),
    };
    // Inside the shopper's allowance for this vendor and origin: paid at once, no window. The check
    // and the spend are one transaction (allowances.ts); anything that does not fit asks as usual.
    // Never for an item this Wallet holds a good receipt for: the window offers the free copy instead
    // of an allowance paying for it a second time.
    // Nor while the Wallet is locked: the window asks to unlock before anything is paid.
    const askAnyway =
      !this.deps.allowances ||
      (await this.deps.locked?.()) === true ||
      (await this.deps.purchases.goodReceipts(vendor.id, itemId, asked.getTime())).length > 0;
    if (!askAnyway && (await this.deps.allowances?.autoPay(purchase))) {
      this.deps.purchases.notify(purchase.id);
      this.deps.outbox.kick();
      this.deps.onAllowancePaid?.(purchase);
      return purchase.id;
    }
    // Stored and shown in the queue's turn: never a second window (confirm-queue.ts).
    await this.deps.queue.enqueue(purchase);
    return purchase.id;
  }

  /** Every worker start: the queue finds its window again, or declines what a closed one showed. */
  async declineOrphans(): Promise<void> {
    await this.deps.queue.resume();
  }

  /**
   * The page's wait: `{ result }` once the purchase has its goods, its error once it ended without
   * them, otherwise `{ progress }` as soon as the progress differs from `after` — or after
   * `awaitPollMs` with the same progress (the content script asks again). Safe to repeat after a
   * restart. Only the page origin that started the purchase may wait for (and read) its content.
   */
  async awaitPurchase(
    purchaseId: string,
    origin?: string,
    after?: PayProgress["state"],
  ): Promise<AwaitOutcome> {
    const { purchases } = this.deps;
    if (origin !== undefined && (await purchases.get(purchaseId)).origin !== origin) {
      throw new QuickPayError("not_found", `no purchase ${purchaseId} for this page`);
    }
    const until = Date.now() + (this.deps.awaitPollMs ?? AWAIT_POLL_MS);
    for (;;) {
      const changed = purchases.changed(purchaseId);
      const p = await purchases.get(purchaseId);
      const result = payResultOf(p);
      if (result) return { result };
      if (isFinished(p)) throw purchaseError(p, this.deps.paycards.namesFor(p));
      const progress = progressOf(p);
      const left = until - Date.now();
      if (progress.state !== after || left <= 0) return { progress };
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        changed.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), left);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) return { progress };
    }
  }

  /** Waits for the purchase's end: its goods, or its error. For tests and the engine's own callers. */
  async outcome(purchaseId: string, origin?: string): Promise<PayResult> {
    let after: PayProgress["state"] | undefined;
    for (;;) {
      const got = await this.awaitPurchase(purchaseId, origin, after);
      if ("result" in got) return got.result;
      after = got.progress.state;
    }
  }

  async confirmation(purchaseId: string): Promise<ConfirmationView> {
    const p = await this.deps.purchases.get(purchaseId);
    const card = await this.deps.db.get("paycards", p.paycardId);
    const view = card ? this.deps.paycards.view(card) : undefined;
    const now = this.now().getTime();
    const before = (await this.deps.purchases.goodReceipts(p.vendorId, p.itemId, now)).find(
      (r) => r.id !== p.id,
    );
    const cards = await this.deps.paycards.list();
    const allowances = this.deps.allowances;
    const allowance = allowances
      ? { offer: p.signedOrder.order.kind === "micro", current: await allowances.forPurchase(p) }
      : undefined;
    return {
      ...(allowance ? { allowance } : {}),
      id: p.id,
      paycardId: p.paycardId,
      paycards: cards,
      vendorName: p.vendor.name,
      vendorId: p.vendor.id,
      origin: p.origin,
      description: p.signedOrder.order.description,
      amount: p.signedOrder.order.amount,
      paycard: { name: view?.name ?? p.moduleId, accountLabel: view?.accountLabel ?? "" },
      expiresAt: p.signedOrder.order.expiresAt,
      status: p.status,
      boughtBefore: before?.receipt
        ? {
            purchaseId: before.id,
            deliveredAt: before.receipt.deliveredAt,
            amount: before.signedOrder.order.amount,
            receiptUntil: receiptUntilView(before, now) ?? "forever",
          }
        : null,
    };
  }

  /**
   * Confirm Order: the person's answer. Approving marks the purchase `paying` and queues its Inquiry
   * Payment in one transaction, so a worker that dies right after still pays it (once). A second
   * answer to the same purchase changes nothing.
   */
  async decide(
    purchaseId: string,
    approve: boolean,
    choice: {
      paycardId?: string;
      makeActive?: boolean;
      /** "Don't ask again on this shop": set its allowance with this approval. */
      allowance?: { limit: { currency: string; value: string }; period: AllowancePeriod };
    } = {},
  ): Promise<void> {
    const { db, purchases } = this.deps;
    if (approve && choice.allowance) {
      // Refused before anything is paid: a bad limit must not leave a paid purchase without its allowance.
      const p = await purchases.get(purchaseId);
      if (!this.deps.allowances || p.signedOrder.order.kind !== "micro") {
        throw new QuickPayError("invalid_request", "allowances are for micropayments only");
      }
      if (checkedLimit(choice.allowance.limit).currency !== p.signedOrder.order.amount.currency) {
        throw new QuickPayError("invalid_request", "the allowance is not in the shop's currency");
      }
    }
    if (!approve) {
      await purchases.get(purchaseId);
      await this.deps.queue.decline(purchaseId);
      return;
    }
    const now = this.now();
    const tx = db.transaction(["purchases", "outbox", "paycards"], "readwrite");
    const stored = await tx.objectStore("purchases").get(purchaseId);
    if (!stored) {
      await tx.done;
      throw new QuickPayError("not_found", `no purchase ${purchaseId}`);
    }
    let p = stored;
    const approved = p.status === "confirming";
    // The shopper picked another Paycard for this purchase only: it pays, the active card stays.
    if (approved && choice.paycardId !== undefined && choice.paycardId !== p.paycardId) {
      const card = await tx.objectStore("paycards").get(choice.paycardId);
      if (!card) {
        await tx.done;
        throw new QuickPayError("no_paycard", `no Paycard ${choice.paycardId} in this wallet`);
      }
      p = { ...p, paycardId: card.paycardId, moduleId: card.moduleId };
    }
    if (approved) {
      // The salt is in the record before Inquiry Payment is queued (a record of an older schema
      // without one gets it here, in the same transaction as the outbox item that carries it).
      const paying: StoredPurchase = {
        ...p,
        payerSalt: p.payerSalt ?? newPayerSalt(),
        status: "paying",
        updatedAt: now.toISOString(),
      };
      await tx.objectStore("purchases").put(paying);
      const item = inquiryItem(paying, now);
      if (!(await tx.objectStore("outbox").get(item.id))) await tx.objectStore("outbox").put(item);
    }
    await tx.done;
    if (!approved) return;
    purchases.notify(purchaseId);
    this.deps.outbox.kick();
    if (choice.makeActive && choice.paycardId !== undefined) {
      await this.deps.paycards.setActive(choice.paycardId);
    }
    if (choice.allowance && this.deps.allowances) {
      await this.deps.allowances.setFromPurchase(p, choice.allowance.limit, choice.allowance.period);
    }
  }

  /** Closing the confirmation window declines every purchase in its queue (confirm-queue.ts). */
  async windowClosed(windowId: number): Promise<void> {
    await this.deps.queue.windowClosed(windowId);
  }
}

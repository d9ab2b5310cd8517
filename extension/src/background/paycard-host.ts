/**
 * Hosts the bundled Paycard modules: gives each its context (wallet id, broker entry, signing as the
 * wallet, its own namespaced storage) and drives Add Paycard, balance, Inquiry Payment and Forget
 * Paycard through the one Paycard interface. Which module runs is the user's active Paycard.
 */

import type { Json, PaycardContext, PaycardModule, PaycardStorage } from "@quickpay/paycards";
import type { DirectoryClient } from "@quickpay/protocol";
import { type FetchLike, newMessageId, QuickPayError, type Signer, signEnvelope } from "@quickpay/protocol";
import type {
  AddPaycardStep,
  BalanceView,
  ModuleView,
  PaycardOverview,
  PaycardRemoval,
  PaycardView,
} from "../shared/messages";
import { activate, addCard, removeCard, requireActive } from "./active-paycard";
import { verifyModuleCertificate } from "./checks";
import type { OutboxItem, StoredPaycard, WalletDatabase } from "./db";
import type { WalletLock } from "./lock";
import { newOutboxItem } from "./outbox-store";

/** How long the Wallet keeps telling a broker about a removed Paycard before it gives up. */
export const FORGET_DEADLINE_MS = 30 * 24 * 60 * 60_000;

/** What a queued Forget Paycard carries (the credential stays in the module's storage until sent). */
export interface ForgetPaycardBody {
  moduleId: string;
  paycardId: string;
  [key: string]: string;
}

/** Credential refusals: the broker no longer takes this Paycard (or the Wallet lost its credential). */
const REVOKED_CODES = new Set(["unauthorized", "no_paycard", "revoked"]);

export interface PaycardHostDeps {
  db: WalletDatabase;
  directory: DirectoryClient;
  modules: Record<string, PaycardModule>;
  /** moduleId → SHA-256 of the module source, computed when the extension was built. */
  codeHashes: Record<string, string>;
  signer: () => Promise<Signer | undefined>;
  /** Whether the host acknowledged Register Wallet; brokers look the wallet up there. */
  registered: () => Promise<boolean>;
  fetch?: FetchLike;
  now?: () => Date;
  /** The local password (lock.ts): module storage is sealed at this boundary when one is set. */
  lock?: WalletLock;
  /** Something was queued in the outbox (a removed Paycard's Forget Paycard): send it soon. */
  onQueued?: () => void;
}

/**
 * A module's own storage. With a local password set (`lock`), values are stored sealed and opened on
 * reading; while the Wallet is locked both throw `wallet_locked`. The module sees no difference.
 */
export function moduleStorage(db: WalletDatabase, moduleId: string, lock?: WalletLock): PaycardStorage {
  const k = (key: string) => `${moduleId}/${key}`;
  return {
    async get(key) {
      const stored = (await db.get("paycardStorage", k(key)))?.value;
      return stored === undefined || !lock ? stored : lock.readStorage(k(key), stored);
    },
    async set(key, value: Json) {
      const stored = lock ? await lock.writeStorage(k(key), value) : value;
      await db.put("paycardStorage", { key: k(key), value: stored });
    },
    async delete(key) {
      await db.delete("paycardStorage", k(key));
    },
  };
}

export class PaycardHost {
  constructor(private readonly deps: PaycardHostDeps) {}

  module(moduleId: string): PaycardModule {
    const m = Object.hasOwn(this.deps.modules, moduleId) ? this.deps.modules[moduleId] : undefined;
    if (!m) throw new QuickPayError("not_found", `no Paycard module "${moduleId}" in this Wallet`);
    return m;
  }

  modules(): ModuleView[] {
    return Object.values(this.deps.modules).map((m) => ({
      moduleId: m.description.moduleId,
      name: m.description.name,
      version: m.description.version,
      brokerId: m.description.brokerId,
    }));
  }

  private async context(module: PaycardModule): Promise<PaycardContext> {
    const signer = await this.deps.signer();
    if (!signer) throw new QuickPayError("not_registered", "the wallet has no key pair yet");
    const broker = await this.deps.directory.active(module.description.brokerId, "broker");
    return {
      walletId: signer.playerId,
      broker,
      signEnvelope: (type, body, options) => signEnvelope(signer, type, body, { id: options?.id }),
      fetch: this.deps.fetch ?? ((input, init) => fetch(input, init)),
      storage: moduleStorage(this.deps.db, module.description.moduleId, this.deps.lock),
    };
  }

  /** Add Paycard 1–2: check the certificate, then Confirm Paycard; answers with the broker's questions. */
  async beginAdd(moduleId: string): Promise<AddPaycardStep> {
    const module = this.module(moduleId);
    if (!(await this.deps.registered())) {
      throw new QuickPayError(
        "not_registered",
        "the wallet is not registered with the host yet; try again shortly",
      );
    }
    const broker = await this.deps.directory.active(module.certificate.certificate.brokerId, "broker");
    await verifyModuleCertificate(module, this.deps.codeHashes[moduleId], broker);
    const take = await module.confirm(await this.context(module));
    const cert = module.certificate.certificate;
    return {
      moduleId,
      sessionId: take.sessionId,
      questions: take.questions,
      certificate: {
        moduleId: cert.moduleId,
        version: cert.version,
        brokerId: cert.brokerId,
        brokerName: broker.name ?? cert.brokerId,
      },
    };
  }

  /**
   * Add Paycard 3: Answer Response; stores the binding. It becomes the active Paycard when the
   * shopper chose so (`makeActive`), or when it is the wallet's first. The same account added again
   * gets a new credential from the broker, so a Forget Paycard still queued for it is dropped: it
   * would revoke the new one.
   */
  async answer(
    moduleId: string,
    sessionId: string,
    answers: Record<string, string>,
    options: { makeActive?: boolean } = {},
  ): Promise<PaycardView> {
    const module = this.module(moduleId);
    const binding = await module.answer(await this.context(module), { sessionId, answers });
    const now = (this.deps.now?.() ?? new Date()).toISOString();
    const card: StoredPaycard = { ...binding, moduleId, active: false, addedAt: now };
    const tx = this.deps.db.transaction(["paycards", "outbox"], "readwrite");
    const cards = tx.objectStore("paycards");
    const next = addCard(await cards.getAll(), card, options.makeActive === true);
    await cards.clear();
    for (const c of next) await cards.put(c);
    const outbox = tx.objectStore("outbox");
    for (const item of await outbox.index("byState").getAll("pending")) {
      if (item.type === "ForgetPaycard" && (item.body as ForgetPaycardBody).paycardId === card.paycardId) {
        await outbox.put({ ...item, state: "done", ackedAt: now });
      }
    }
    await tx.done;
    return this.view(next.find((c) => c.paycardId === card.paycardId) ?? card);
  }

  async setActive(paycardId: string): Promise<void> {
    await this.rewrite((cards) => activate(cards, paycardId));
  }

  /**
   * Removes a Paycard: gone from the list (another one active, or none) and Forget Paycard queued
   * for its broker, in one transaction, so a worker stopped at any point either still has the card
   * or will tell the broker. Purchases and receipts made with it stay; one not yet endorsed ends
   * `failed` with `no_paycard` when its Inquiry Payment finds the card gone.
   */
  async remove(paycardId: string): Promise<PaycardRemoval> {
    const tx = this.deps.db.transaction(["paycards", "outbox"], "readwrite");
    const cards = tx.objectStore("paycards");
    const removal = removeCard(await cards.getAll(), paycardId);
    await cards.clear();
    for (const c of removal.cards) await cards.put(c);
    const now = this.deps.now?.() ?? new Date();
    const body: ForgetPaycardBody = { moduleId: removal.removed.moduleId, paycardId };
    await tx.objectStore("outbox").put(
      newOutboxItem("ForgetPaycard", body, newMessageId(), now, {
        deadline: now.getTime() + FORGET_DEADLINE_MS,
      }),
    );
    await tx.done;
    this.deps.onQueued?.();
    return {
      removed: this.view(removal.removed),
      active: removal.active ? this.view(removal.active) : null,
      activeChanged: removal.activeChanged,
    };
  }

  /** The outbox's Forget Paycard: the module tells its broker and drops the credential. */
  async forgetAtBroker(item: OutboxItem): Promise<{ ok: true }> {
    const { moduleId, paycardId } = item.body as ForgetPaycardBody;
    const module = this.module(moduleId);
    await module.forget(await this.context(module), { paycardId, messageId: item.id });
    return { ok: true };
  }

  /** Replaces the whole (small) list in one transaction, so "exactly one active" holds after a crash. */
  private async rewrite(change: (cards: StoredPaycard[]) => StoredPaycard[]): Promise<void> {
    const tx = this.deps.db.transaction("paycards", "readwrite");
    const next = change(await tx.store.getAll());
    await tx.store.clear();
    for (const c of next) await tx.store.put(c);
    await tx.done;
  }

  async list(): Promise<PaycardView[]> {
    const cards = await this.deps.db.getAll("paycards");
    return cards.sort((a, b) => a.addedAt.localeCompare(b.addedAt)).map((c) => this.view(c));
  }

  async active(): Promise<StoredPaycard> {
    return requireActive(await this.deps.db.getAll("paycards"));
  }

  view(card: StoredPaycard): PaycardView {
    const m = Object.hasOwn(this.deps.modules, card.moduleId) ? this.deps.modules[card.moduleId] : undefined;
    return {
      paycardId: card.paycardId,
      moduleId: card.moduleId,
      name: m?.description.name ?? card.moduleId,
      accountLabel: card.accountLabel,
      currency: card.currency,
      color: m?.description.color ?? "#555",
      active: card.active,
    };
  }

  /**
   * Every Paycard with its broker's name, its balance and whether it can pay, for the options page,
   * the popup's switcher and the confirmation window's picker. Balances are asked in parallel; one
   * broker that is away does not hide the others.
   */
  async overview(): Promise<PaycardOverview[]> {
    const cards = (await this.deps.db.getAll("paycards")).sort((a, b) => a.addedAt.localeCompare(b.addedAt));
    return Promise.all(cards.map((card) => this.cardOverview(card)));
  }

  private async cardOverview(card: StoredPaycard): Promise<PaycardOverview> {
    const view = this.view(card);
    const m = Object.hasOwn(this.deps.modules, card.moduleId) ? this.deps.modules[card.moduleId] : undefined;
    const brokerId = m?.description.brokerId ?? "";
    let brokerName = view.name;
    try {
      if (!m) throw new QuickPayError("not_found", `no Paycard module "${card.moduleId}" in this Wallet`);
      const broker = await this.deps.directory.active(brokerId, "broker");
      brokerName = broker.name ?? brokerName;
      const b = await m.balance(await this.context(m), { paycardId: card.paycardId });
      return {
        ...view,
        brokerId,
        brokerName,
        status: "ready",
        balance: { paycardId: b.paycardId, balance: b.balance, held: b.held, available: b.available },
      };
    } catch (error) {
      const code = error instanceof QuickPayError ? error.code : "internal";
      const message = error instanceof Error ? error.message : String(error);
      return {
        ...view,
        brokerId,
        brokerName,
        status: REVOKED_CODES.has(code) ? "revoked" : "unavailable",
        balance: null,
        error: { code, message },
      };
    }
  }

  /** The active Paycard's balance from its broker, or null when the wallet has no Paycard. */
  async balance(): Promise<BalanceView | null> {
    const cards = await this.deps.db.getAll("paycards");
    if (cards.length === 0) return null;
    const card = requireActive(cards);
    const module = this.module(card.moduleId);
    const b = await module.balance(await this.context(module), { paycardId: card.paycardId });
    return { paycardId: b.paycardId, balance: b.balance, held: b.held, available: b.available };
  }

  /** Inquiry Payment through the Paycard's module; `messageId` is fixed per purchase. */
  async inquirePayment(
    card: StoredPaycard,
    args: Omit<Parameters<PaycardModule["inquirePayment"]>[1], "paycardId">,
  ) {
    const module = this.module(card.moduleId);
    const endorsement = await module.inquirePayment(await this.context(module), {
      ...args,
      paycardId: card.paycardId,
    });
    return { endorsement, brokerId: module.description.brokerId };
  }
}

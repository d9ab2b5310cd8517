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
import { walletNotice } from "./inbox";
import type { WalletLock } from "./lock";
import { newOutboxItem, type OutboxWrite } from "./outbox-store";
import { type PaycardNames, paycardNotAccepted } from "./words";

/** How long the Wallet keeps telling a broker about a removed Paycard before it gives up. */
export const FORGET_DEADLINE_MS = 30 * 24 * 60 * 60_000;

/** What a queued Forget Paycard carries (the credential stays in the module's storage until sent). */
export interface ForgetPaycardBody {
  moduleId: string;
  paycardId: string;
  /** For the notice if the broker can never be told (absent in removals queued before it was kept). */
  accountLabel?: string;
  /** The card's keys in the module's storage, deleted by the Wallet itself on a give-up. */
  storageKeys?: string[];
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
export function moduleStorage(
  db: WalletDatabase,
  moduleId: string,
  lock?: WalletLock,
  /** Hears the full key of every value set through this storage (Add Paycard keeps them). */
  onSet?: (key: string) => void,
): PaycardStorage {
  const k = (key: string) => `${moduleId}/${key}`;
  return {
    // Each runs as one step of the lock's sequence, so no password change falls between reading the
    // key and the value it opens or seals (lock.ts `serialized`).
    async get(key) {
      if (!lock) return (await db.get("paycardStorage", k(key)))?.value;
      return lock.serialized(async () => {
        const stored = (await db.get("paycardStorage", k(key)))?.value;
        return stored === undefined ? stored : lock.readStorage(k(key), stored);
      });
    },
    async set(key, value: Json) {
      onSet?.(k(key));
      if (!lock) {
        await db.put("paycardStorage", { key: k(key), value });
        return;
      }
      await lock.serialized(async () => {
        await db.put("paycardStorage", { key: k(key), value: await lock.writeStorage(k(key), value) });
      });
    },
    async delete(key) {
      if (!lock) await db.delete("paycardStorage", k(key));
      else await lock.serialized(() => db.delete("paycardStorage", k(key)));
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

  private async context(module: PaycardModule, onSet?: (key: string) => void): Promise<PaycardContext> {
    const signer = await this.deps.signer();
    if (!signer) throw new QuickPayError("not_registered", "the wallet has no key pair yet");
    const broker = await this.deps.directory.active(module.description.brokerId, "broker");
    return {
      walletId: signer.playerId,
      broker,
      signEnvelope: (type, body, options) => signEnvelope(signer, type, body, { id: options?.id }),
      fetch: this.deps.fetch ?? ((input, init) => fetch(input, init)),
      storage: moduleStorage(this.deps.db, module.description.moduleId, this.deps.lock, onSet),
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
    // What the module stores for this card, so the Wallet can delete it itself if it must (forgetGivenUp).
    const written = new Set<string>();
    const context = await this.context(module, (key) => written.add(key));
    const binding = await module.answer(context, { sessionId, answers });
    const now = (this.deps.now?.() ?? new Date()).toISOString();
    const card: StoredPaycard = {
      ...binding,
      moduleId,
      active: false,
      addedAt: now,
      storageKeys: [...written],
    };
    const tx = this.deps.db.transaction(["paycards", "outbox"], "readwrite");
    const cards = tx.objectStore("paycards");
    const next = addCard(await cards.getAll(), card, options.makeActive === true);
    await cards.clear();
    for (const c of next) await cards.put(c);
    const outbox = tx.objectStore("outbox");
    for (const item of await outbox.index("byState").getAll("pending")) {
      if (
        item.type === "ForgetPaycard" &&
        (item.body as unknown as ForgetPaycardBody).paycardId === card.paycardId
      ) {
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
    const { removed } = removal;
    const body: ForgetPaycardBody = {
      moduleId: removed.moduleId,
      paycardId,
      accountLabel: removed.accountLabel,
      storageKeys: removed.storageKeys ?? [],
    };
    await tx.objectStore("outbox").put(
      newOutboxItem("ForgetPaycard", body as unknown as Json, newMessageId(), now, {
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
    const { moduleId, paycardId } = item.body as unknown as ForgetPaycardBody;
    const module = this.module(moduleId);
    await module.forget(await this.context(module), { paycardId, messageId: item.id });
    return { ok: true };
  }

  /**
   * The outbox gave up telling the broker of a removal (its deadline passed, or the broker refused
   * for good): in that same transaction the card's credential is deleted from the module's storage
   * anyway — removing a card always removes its secret from the Wallet — and the inbox says the bank
   * was not told, so the shopper can ask it to block the card. Deleted are the keys the module wrote
   * when the card was added and, for cards added before those were kept, the module's keys that
   * name the card. Nothing is deleted if the same card was added again meanwhile (its new credential).
   */
  async forgetGivenUp(write: OutboxWrite, item: OutboxItem): Promise<void> {
    if (item.state !== "failed") return;
    const body = item.body as unknown as ForgetPaycardBody;
    const { tx } = write;
    if (await tx.objectStore("paycards").get(body.paycardId)) return;
    const storage = tx.objectStore("paycardStorage");
    const prefix = `${body.moduleId}/`;
    const inModule = await storage.getAllKeys(IDBKeyRange.bound(prefix, `${prefix}\uffff`));
    const keys = new Set(
      [...(body.storageKeys ?? []), ...inModule.filter((k) => k.includes(body.paycardId))].filter((k) =>
        k.startsWith(prefix),
      ),
    );
    for (const key of keys) await storage.delete(key);
    const m = Object.hasOwn(this.deps.modules, body.moduleId) ? this.deps.modules[body.moduleId] : undefined;
    const bank = m?.description.name ?? "your bank";
    const card = body.accountLabel ? `“${body.accountLabel}”` : "a Paycard";
    await walletNotice(
      tx.objectStore("inbox"),
      {
        noticeId: `forget-${item.id}`,
        subject: "Your bank was not told about a removed Paycard",
        text:
          `You removed ${card} (${bank}). Your Wallet deleted its credential, but it could not tell ` +
          `${bank} that the card was removed. If someone else may have a copy of your card's details, ` +
          `ask ${bank} to block the card.`,
      },
      write.now,
    );
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

  /**
   * How the Wallet's words name a Paycard: its bank (the module's name) and, while the card is still
   * in the Wallet and given, its label. Synchronous: the history and a page's error need no lookup.
   */
  namesFor(card: { moduleId: string; accountLabel?: string | undefined }): PaycardNames {
    const m = Object.hasOwn(this.deps.modules, card.moduleId) ? this.deps.modules[card.moduleId] : undefined;
    return { bank: m?.description.name, card: card.accountLabel };
  }

  /**
   * The active Paycard's balance from its broker, or null when the wallet has no Paycard. A broker
   * answering `unauthorized` no longer takes the card: said so in words, with what to do.
   */
  async balance(): Promise<BalanceView | null> {
    const cards = await this.deps.db.getAll("paycards");
    if (cards.length === 0) return null;
    const card = requireActive(cards);
    const module = this.module(card.moduleId);
    try {
      const b = await module.balance(await this.context(module), { paycardId: card.paycardId });
      return { paycardId: b.paycardId, balance: b.balance, held: b.held, available: b.available };
    } catch (error) {
      if (error instanceof QuickPayError && error.code === "unauthorized") {
        throw new QuickPayError("unauthorized", error.message, {
          ...(error.details && typeof error.details === "object" ? error.details : {}),
          words: paycardNotAccepted(this.namesFor(card)),
        });
      }
      throw error;
    }
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

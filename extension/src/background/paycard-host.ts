/**
 * Hosts the bundled Paycard modules: gives each its context (wallet id, broker entry, signing as the
 * wallet, its own namespaced storage) and drives Add Paycard, balance and Inquiry Payment through
 * the one Paycard interface. Which module runs is the user's active Paycard.
 */

import type { Json, PaycardContext, PaycardModule, PaycardStorage } from "@quickpay/paycards";
import type { DirectoryClient } from "@quickpay/protocol";
import { type FetchLike, QuickPayError, type Signer, signEnvelope } from "@quickpay/protocol";
import type { AddPaycardStep, BalanceView, ModuleView, PaycardView } from "../shared/messages";
import { activate, addCard, requireActive } from "./active-paycard";
import { verifyModuleCertificate } from "./checks";
import type { StoredPaycard, WalletDatabase } from "./db";

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
}

export function moduleStorage(db: WalletDatabase, moduleId: string): PaycardStorage {
  const k = (key: string) => `${moduleId}/${key}`;
  return {
    async get(key) {
      return (await db.get("paycardStorage", k(key)))?.value;
    },
    async set(key, value: Json) {
      await db.put("paycardStorage", { key: k(key), value });
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
      storage: moduleStorage(this.deps.db, module.description.moduleId),
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

  /** Add Paycard 3: Answer Response; stores the binding and makes it the active Paycard. */
  async answer(moduleId: string, sessionId: string, answers: Record<string, string>): Promise<PaycardView> {
    const module = this.module(moduleId);
    const binding = await module.answer(await this.context(module), { sessionId, answers });
    const now = (this.deps.now?.() ?? new Date()).toISOString();
    const card: StoredPaycard = { ...binding, moduleId, active: true, addedAt: now };
    await this.rewrite((cards) => addCard(cards, card));
    return this.view(card);
  }

  async setActive(paycardId: string): Promise<void> {
    await this.rewrite((cards) => activate(cards, paycardId));
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

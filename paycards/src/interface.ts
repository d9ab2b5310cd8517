/**
 * The Paycard interface, version 1: what every broker's plug-in implements so the Wallet can drive
 * Add Paycard, Inquiry Payment and balance the same way whatever the broker. Every argument and result
 * is JSON-serialisable, so a module can later run behind a message boundary (an iframe or worker);
 * the Wallet-provided context is the only thing that is not data.
 */
import type {
  Balance,
  DirectoryEntry,
  Envelope,
  FetchLike,
  MoneyWire,
  SignedEndorsement,
  SignedPaycardCertificate,
  TakeQuestion,
} from "@quickpay/protocol";

export const PAYCARD_INTERFACE_VERSION = 1;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a module says about itself before anything is added. */
export interface PaycardDescription {
  moduleId: string;
  version: string;
  /** The broker this module talks to; its key in the host directory checks the certificate. */
  brokerId: string;
  name: string;
  /** e.g. "account" for balance/credit brokers, later "mint", "scrip", "coupon-chain". */
  kind: "account";
  currency: string;
  /** CSS colour for the card in the Wallet UI. */
  color: string;
}

/** Given by the Wallet to a module for every call. The module never sees the wallet's private key. */
export interface PaycardContext {
  walletId: string;
  /** The broker's directory entry (endpoint, key), looked up by the Wallet from the host. */
  broker: DirectoryEntry;
  /** Signs a message as the wallet; the Wallet decides the id when retrying (exactly-once). */
  signEnvelope<B, T extends string>(type: T, body: B, options?: { id?: string }): Promise<Envelope<B, T>>;
  fetch: FetchLike;
  /** This module's own storage inside the Wallet (IndexedDB), namespaced to the module. */
  storage: PaycardStorage;
}

export interface PaycardStorage {
  get(key: string): Promise<Json | undefined>;
  set(key: string, value: Json): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A Paycard bound to an account: what the Wallet shows and stores (the credential stays in storage). */
export interface PaycardBinding {
  paycardId: string;
  accountLabel: string;
  currency: string;
}

export interface InquirePaymentArgs {
  paycardId: string;
  orderDigest: string;
  vendorId: string;
  amount: MoneyWire;
  kind: "micro" | "regular";
  orderExpiresAt: string;
  /**
   * The Wallet's fresh salt for this purchase (`newPayerSalt()`), the same on every retry: the broker
   * signs `payerTag(walletId, payerSalt)` into the endorsement, and the Wallet opens it to the host
   * in Register Order. Passed to the broker only — a module must never show it to the vendor or page.
   */
  payerSalt: string;
  /** Stable across retries of the same purchase, so the broker holds funds once. */
  messageId: string;
}

export interface PaycardModule {
  readonly description: PaycardDescription;
  /** The broker's signature over moduleId, version and codeHash, verified by the Wallet on Add Paycard. */
  readonly certificate: SignedPaycardCertificate;
  /** Add Paycard 1–2: Confirm Paycard; the broker answers with the questions to ask (Take Question). */
  confirm(ctx: PaycardContext): Promise<TakeQuestion>;
  /**
   * Add Paycard 3: Answer Response; stores the credential in `ctx.storage`. Wrong answers reject with
   * `wrong_answer` (`details.attemptsLeft`: ask again in the same session) or `too_many_attempts`
   * (the session is over: start again with `confirm`).
   */
  answer(
    ctx: PaycardContext,
    args: { sessionId: string; answers: Record<string, string> },
  ): Promise<PaycardBinding>;
  /**
   * Inquiry Payment: the broker holds the amount and returns its endorsement of this digest. The
   * same digest again returns the same endorsement. Refusals: `insufficient_funds`
   * (`details.available`), `already_endorsed`, `order_expired`, `unauthorized` (credential no longer
   * valid: add the Paycard again), `no_paycard` (nothing stored for this Paycard).
   */
  inquirePayment(ctx: PaycardContext, args: InquirePaymentArgs): Promise<SignedEndorsement>;
  balance(ctx: PaycardContext, args: { paycardId: string }): Promise<Balance>;
  /**
   * The shopper removed this Paycard: tell the broker (which revokes the credential, so a copy of it
   * can no longer pay or read the balance), then drop the credential from `ctx.storage`. Called from
   * the Wallet's outbox until it resolves, always with the same `messageId` for the same removal.
   * Resolves when the broker confirmed, when the broker says the credential is already not valid
   * (`unauthorized`), and when nothing is stored for this Paycard; rejects on anything worth retrying.
   */
  forget(ctx: PaycardContext, args: { paycardId: string; messageId: string }): Promise<void>;
}

/**
 * `@quickpay/paycards/test-kit`: the conformance suite every Paycard module must pass against its
 * real broker and a real host. A module's test file calls `describePaycardConformance` once with a
 * setup that starts (or points at) its broker, registered with the host. Node + Vitest only.
 */
import {
  assertCertificateSignature,
  assertEndorsementSignature,
  type DirectoryEntry,
  type MoneyWire,
  newMessageId,
  newPayerSalt,
  parseMoney,
  payerTag,
  randomBytes,
  sendMessage,
  sha256Hex,
  signEnvelope,
} from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { paycardCodeHash } from "./code-hash";
import type { InquirePaymentArgs, PaycardBinding, PaycardContext, PaycardModule } from "./interface";
import {
  lookupPlayer,
  memoryStorage,
  paycardContext,
  registerTestVendor,
  registerTestWallet,
  type TestPlayer,
} from "./testing/players";

export {
  lookupPlayer,
  memoryStorage,
  paycardContext,
  registerTestVendor,
  registerTestWallet,
  type TestPlayer,
} from "./testing/players";

export interface ConformanceSetup {
  module: PaycardModule;
  /** A running host whose directory lists the module's broker (active, with its endpoint). */
  hostUrl: string;
  /** Answers to the broker's questions: `right` binds an account, `wrong` binds nothing. */
  answers: { right: Record<string, string>; wrong: Record<string, string> };
  /** For the `right` account: an amount it can pay twice over, and one beyond what it has. */
  amounts: { affordable: MoneyWire; unaffordable: MoneyWire };
  /** The module's source folder; when given, the certificate's code hash is checked against it. */
  moduleDir?: string;
  close(): Promise<void>;
}

/** Any value a module returns must survive JSON (it may later cross a message boundary). */
function expectJson(value: unknown): void {
  expect(JSON.parse(JSON.stringify(value))).toEqual(value);
}

export function describePaycardConformance(name: string, setup: () => Promise<ConformanceSetup>): void {
  describe(`Paycard conformance: ${name}`, () => {
    let s: ConformanceSetup;
    let broker: DirectoryEntry;
    let wallet: TestPlayer;
    let vendor: TestPlayer;
    let ctx: PaycardContext;
    let storage: ReturnType<typeof memoryStorage>;
    let binding: PaycardBinding;

    const order = (amount: MoneyWire, digest = sha256Hex(randomBytes(32))): InquirePaymentArgs => ({
      paycardId: binding.paycardId,
      orderDigest: digest,
      vendorId: vendor.id,
      amount,
      kind: "micro",
      orderExpiresAt: new Date(Date.now() + 5 * 60_000).toISOString(),
      payerSalt: newPayerSalt(),
      messageId: newMessageId(),
    });

    beforeAll(async () => {
      s = await setup();
      broker = await lookupPlayer(s.hostUrl, s.module.description.brokerId);
      wallet = await registerTestWallet(s.hostUrl);
      vendor = await registerTestVendor(s.hostUrl);
      storage = memoryStorage();
      ctx = paycardContext(wallet, broker, storage);
    });

    afterAll(async () => {
      await s?.close();
    });

    it("describes itself validly and in agreement with its certificate", () => {
      const d = s.module.description;
      expectJson(d);
      expect(d.moduleId).toMatch(/^[a-z0-9][a-z0-9.-]{1,63}$/);
      expect(d.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(d.currency).toMatch(/^[A-Z]{3}$/);
      expect(d.name.length).toBeGreaterThan(0);
      expect(s.module.certificate.certificate).toMatchObject({
        moduleId: d.moduleId,
        version: d.version,
        brokerId: d.brokerId,
      });
    });

    it("carries a certificate that verifies against its broker's key in the host directory", async () => {
      expect(broker).toMatchObject({ kind: "broker", status: "active" });
      expect(broker.endpoint).toBeDefined();
      await assertCertificateSignature(s.module.certificate, broker.publicKey);
      if (s.moduleDir) expect(s.module.certificate.certificate.codeHash).toBe(paycardCodeHash(s.moduleDir));
    });

    it("confirm() returns the broker's typed questions for this wallet", async () => {
      const take = await s.module.confirm(ctx);
      expectJson(take);
      expect(take.brokerId).toBe(broker.id);
      expect(take.questions.length).toBeGreaterThan(0);
      for (const q of take.questions) expect(["text", "secret", "choice"]).toContain(q.kind);
      expect(Date.parse(take.expiresAt)).toBeGreaterThan(Date.now());
    });

    it("refuses wrong answers with the attempts left, then too_many_attempts even for right answers", async () => {
      const { sessionId } = await s.module.confirm(ctx);
      let lastLeft = Number.POSITIVE_INFINITY;
      let locked = false;
      for (let i = 0; i < 10 && !locked; i++) {
        const error = await s.module.answer(ctx, { sessionId, answers: s.answers.wrong }).then(
          () => undefined,
          (e: { code?: string; details?: { attemptsLeft?: number } }) => e,
        );
        expect(error, "wrong answers must be refused").toBeDefined();
        if (error?.code === "too_many_attempts") {
          locked = true;
        } else {
          expect(error?.code).toBe("wrong_answer");
          const left = error?.details?.attemptsLeft;
          expect(left).toBeTypeOf("number");
          expect(left!).toBeLessThan(lastLeft);
          lastLeft = left!;
        }
      }
      expect(locked, "retries must be limited").toBe(true);
      await expect(s.module.answer(ctx, { sessionId, answers: s.answers.right })).rejects.toMatchObject({
        code: "too_many_attempts",
      });
      expect(storage.data.size).toBe(0);
    });

    it("binds the Paycard on right answers and keeps the credential in its own storage", async () => {
      const { sessionId } = await s.module.confirm(ctx);
      binding = await s.module.answer(ctx, { sessionId, answers: s.answers.right });
      expectJson(binding);
      expect(binding.paycardId).toMatch(/^p_/);
      expect(binding.currency).toBe(s.module.description.currency);
      expect(storage.data.size).toBeGreaterThan(0);
      // The Wallet stores only the binding, so it must carry nothing but these (never the credential).
      expect(Object.keys(binding).sort()).toEqual(["accountLabel", "currency", "paycardId"]);
    });

    it("reports a balance with nothing held for a new Paycard", async () => {
      const b = await s.module.balance(ctx, { paycardId: binding.paycardId });
      expectJson(b);
      expect(b.paycardId).toBe(binding.paycardId);
      expect(parseMoney(b.held).micros).toBe(0);
      expect(parseMoney(b.available).micros).toBe(parseMoney(b.balance).micros);
    });

    it("inquirePayment() returns a broker-signed endorsement of exactly this order", async () => {
      const args = order(s.amounts.affordable);
      const signed = await s.module.inquirePayment(ctx, args);
      expectJson(signed);
      await assertEndorsementSignature(signed, broker.publicKey);
      expect(signed.endorsement).toMatchObject({
        orderDigest: args.orderDigest,
        vendorId: vendor.id,
        brokerId: broker.id,
        // The order's kind, and the tag of this wallet and this purchase's salt (DESIGN §4.2.2).
        kind: args.kind,
        payerTag: payerTag(wallet.id, args.payerSalt),
      });
      expect(parseMoney(signed.endorsement.amount)).toEqual(parseMoney(args.amount));
      expect(signed.endorsement.commitId).toMatch(/^c_/);
      expect(Date.parse(signed.endorsement.expiresAt)).toBeGreaterThan(Date.now());
    });

    it("endorses the same digest once: a repeat returns the same endorsement and holds nothing more", async () => {
      const before = await s.module.balance(ctx, { paycardId: binding.paycardId });
      const first = order(s.amounts.affordable);
      const a = await s.module.inquirePayment(ctx, first);
      const afterOne = await s.module.balance(ctx, { paycardId: binding.paycardId });
      // A retry (same message id) and a fresh inquiry for the same order (new id) both repeat.
      const b = await s.module.inquirePayment(ctx, first);
      const c = await s.module.inquirePayment(ctx, { ...first, messageId: newMessageId() });
      expect(b).toEqual(a);
      expect(c).toEqual(a);
      const after = await s.module.balance(ctx, { paycardId: binding.paycardId });
      const amount = parseMoney(s.amounts.affordable).micros;
      expect(parseMoney(afterOne.held).micros).toBe(parseMoney(before.held).micros + amount);
      expect(parseMoney(after.held).micros).toBe(parseMoney(afterOne.held).micros);
    });

    it("refuses an amount beyond the available balance with insufficient_funds, holding nothing", async () => {
      const before = await s.module.balance(ctx, { paycardId: binding.paycardId });
      await expect(s.module.inquirePayment(ctx, order(s.amounts.unaffordable))).rejects.toMatchObject({
        code: "insufficient_funds",
      });
      const after = await s.module.balance(ctx, { paycardId: binding.paycardId });
      expect(after.held).toEqual(before.held);
      expect(after.available).toEqual(before.available);
    });

    it("reflects holds in the balance: available = balance − held", async () => {
      const b = await s.module.balance(ctx, { paycardId: binding.paycardId });
      const micros = (m: MoneyWire) => parseMoney(m).micros;
      expect(micros(b.held)).toBe(2 * micros(s.amounts.affordable));
      expect(micros(b.available)).toBe(micros(b.balance) - micros(b.held));
    });

    it("lets the vendor's Check Commit find the endorsement live, after which the amount is spent", async () => {
      const signed = await s.module.inquirePayment(ctx, order(s.amounts.affordable));
      const before = await s.module.balance(ctx, { paycardId: binding.paycardId });
      const { commitId, orderDigest, vendorId, amount } = signed.endorsement;
      const body = { commitId, orderDigest, vendorId, amount };
      // Another kind than the one endorsed is refused and claims nothing.
      const wrongKind = await signEnvelope(vendor.signer, "CheckCommit", {
        ...body,
        kind: "regular" as const,
      });
      await expect(sendMessage(broker.endpoint!, "CheckCommit", wrongKind)).rejects.toMatchObject({
        code: "mismatch",
      });
      const check = await signEnvelope(vendor.signer, "CheckCommit", { ...body, kind: "micro" as const });
      const reply = await sendMessage(broker.endpoint!, "CheckCommit", check);
      expect(reply).toEqual({ commitId, status: "live" });
      const after = await s.module.balance(ctx, { paycardId: binding.paycardId });
      const micros = (m: MoneyWire) => parseMoney(m).micros;
      // Spent, not released: the amount stays out of `available`, whether the broker captured it at
      // once (micro) or keeps holding it for the vendor.
      expect(micros(after.available)).toBe(micros(before.available));
      expect(micros(after.balance)).toBeLessThanOrEqual(micros(before.balance));
    });

    it("forget() tells the broker, which revokes the credential, and drops it from storage", async () => {
      const kept = new Map(storage.data);
      const messageId = newMessageId();
      await s.module.forget(ctx, { paycardId: binding.paycardId, messageId });
      expect(storage.data.size).toBe(0);
      await expect(s.module.inquirePayment(ctx, order(s.amounts.affordable))).rejects.toMatchObject({
        code: expect.any(String),
      });
      // The broker side: even a copy of the old credential no longer works.
      for (const [k, v] of kept) storage.data.set(k, v);
      await expect(s.module.balance(ctx, { paycardId: binding.paycardId })).rejects.toMatchObject({
        code: "unauthorized",
      });
      // Forgetting again (a resend, or a Paycard the broker already revoked) is not an error.
      await s.module.forget(ctx, { paycardId: binding.paycardId, messageId });
      await s.module.forget(ctx, { paycardId: binding.paycardId, messageId: newMessageId() });
      expect(storage.data.size).toBe(0);
    });
  });
}

/**
 * The demo bank's Paycard module: the Wallet-side half of Add Paycard, Inquiry Payment, balance and
 * Forget Paycard, talking to the demo broker with envelopes the Wallet signs. Browser-safe: protocol
 * imports only.
 */
import {
  type BodyInputOf,
  type MessageType,
  QuickPayError,
  type ReplyOf,
  SignedPaycardCertificate,
  sendMessage,
} from "@quickpay/protocol";
import type { PaycardContext, PaycardModule } from "../../interface";
import certificateJson from "./certificate.json";
import { DEMO_BANK_MODULE_ID, DEMO_BANK_MODULE_VERSION, DEMO_BANK_NAME } from "./meta";
import { loadPaycard, paycardStorageKey, savePaycard } from "./storage-keys";

const certificate = SignedPaycardCertificate.parse(certificateJson);

/** Signs `body` as the wallet and posts it to this module's broker. */
async function call<T extends MessageType>(
  ctx: PaycardContext,
  type: T,
  body: BodyInputOf<T>,
  options: { id?: string } = {},
): Promise<ReplyOf<T>> {
  if (ctx.broker.id !== certificate.certificate.brokerId) {
    throw new QuickPayError(
      "mismatch",
      `the ${DEMO_BANK_MODULE_ID} module belongs to broker ${certificate.certificate.brokerId}, not ${ctx.broker.id}`,
    );
  }
  if (!ctx.broker.endpoint) {
    throw new QuickPayError("broker_unreachable", `broker ${ctx.broker.id} has no endpoint in the directory`);
  }
  const envelope = await ctx.signEnvelope(type, body, options);
  return sendMessage(ctx.broker.endpoint, type, envelope, { fetch: ctx.fetch });
}

export const demoBankPaycard: PaycardModule = {
  description: {
    moduleId: DEMO_BANK_MODULE_ID,
    version: DEMO_BANK_MODULE_VERSION,
    brokerId: certificate.certificate.brokerId,
    name: DEMO_BANK_NAME,
    kind: "account",
    currency: "USD",
    color: "#1f6f5c",
  },
  certificate,

  confirm(ctx) {
    return call(ctx, "ConfirmPaycard", {
      walletId: ctx.walletId,
      moduleId: DEMO_BANK_MODULE_ID,
      version: DEMO_BANK_MODULE_VERSION,
    });
  },

  async answer(ctx, { sessionId, answers }) {
    const bound = await call(ctx, "AnswerResponse", { sessionId, answers });
    await savePaycard(ctx.storage, bound.paycardId, {
      credential: bound.credential,
      accountLabel: bound.accountLabel,
      currency: bound.currency,
    });
    return { paycardId: bound.paycardId, accountLabel: bound.accountLabel, currency: bound.currency };
  },

  async inquirePayment(ctx, args) {
    const card = await loadPaycard(ctx.storage, args.paycardId);
    const reply = await call(
      ctx,
      "InquiryPayment",
      {
        paycardId: args.paycardId,
        credential: card.credential,
        orderDigest: args.orderDigest,
        vendorId: args.vendorId,
        amount: args.amount,
        kind: args.kind,
        orderExpiresAt: args.orderExpiresAt,
        payerSalt: args.payerSalt,
      },
      // The same purchase always travels under the same message id, so the broker holds funds once.
      { id: args.messageId },
    );
    return reply.endorsement;
  },

  async balance(ctx, { paycardId }) {
    const card = await loadPaycard(ctx.storage, paycardId);
    return call(ctx, "CheckBalance", { paycardId, credential: card.credential });
  },

  async forget(ctx, { paycardId, messageId }) {
    const stored = await ctx.storage.get(paycardStorageKey(paycardId));
    if (stored === undefined) return;
    const card = await loadPaycard(ctx.storage, paycardId);
    try {
      await call(ctx, "ForgetPaycard", { paycardId, credential: card.credential }, { id: messageId });
    } catch (error) {
      // Already revoked (an earlier removal, or the bank's own decision): nothing left to tell it.
      if (!(error instanceof QuickPayError && error.code === "unauthorized")) throw error;
    }
    await ctx.storage.delete(paycardStorageKey(paycardId));
  },
};

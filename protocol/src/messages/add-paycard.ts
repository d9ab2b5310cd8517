/**
 * §4.1 Add Paycard (Wallet ↔ Broker): Confirm Paycard, Take Question, Answer Response; plus balance,
 * and Forget Paycard when the shopper removes the Paycard from the Wallet.
 */
import { z } from "zod";
import { BrokerId, Money, ShortText, Timestamp, WalletId } from "../schemas";
import { defineMessage } from "./define";

export const Question = z
  .object({
    id: z.string().regex(/^[a-z][a-zA-Z0-9_]{0,39}$/),
    label: ShortText,
    kind: z.enum(["text", "secret", "choice"]),
    choices: z.array(ShortText).max(50).optional(),
    hint: z.string().max(200).optional(),
  })
  .strict();
export type Question = z.infer<typeof Question>;

export const SessionId = z.string().regex(/^s_[A-Za-z0-9_-]{16,64}$/);
export const PaycardId = z.string().regex(/^p_[A-Za-z0-9_-]{16,64}$/);
/** A bearer secret the broker issues to one wallet for one Paycard; useless without the wallet's key. */
export const Credential = z.string().regex(/^[A-Za-z0-9_-]{32,128}$/);

/** Reply to Confirm Paycard. */
export const TakeQuestion = z
  .object({
    sessionId: SessionId,
    brokerId: BrokerId,
    questions: z.array(Question).min(1).max(20),
    expiresAt: Timestamp,
  })
  .strict();
export type TakeQuestion = z.infer<typeof TakeQuestion>;

export const ConfirmPaycard = defineMessage({
  type: "ConfirmPaycard",
  path: "/v1/confirm-paycard",
  from: "wallet",
  to: "broker",
  auth: "envelope",
  summary: "The Wallet, having checked the module's certificate, tells the broker which wallet is adding it.",
  body: z
    .object({ walletId: WalletId, moduleId: z.string().min(1).max(64), version: z.string().max(20) })
    .strict(),
  reply: TakeQuestion,
});

/** Reply to Answer Response: the Paycard's credential, kept in the Paycard's own storage. */
export const PaycardBound = z
  .object({
    paycardId: PaycardId,
    accountLabel: ShortText,
    currency: z.string().regex(/^[A-Z]{3}$/),
    credential: Credential,
  })
  .strict();
export type PaycardBound = z.infer<typeof PaycardBound>;

export const AnswerResponse = defineMessage({
  type: "AnswerResponse",
  path: "/v1/answer-response",
  from: "wallet",
  to: "broker",
  auth: "envelope",
  summary: "The Wallet sends the user's answers; the broker binds the wallet's key to the account.",
  body: z
    .object({ sessionId: SessionId, answers: z.record(z.string().max(40), z.string().max(200)) })
    .strict(),
  reply: PaycardBound,
});

export const Balance = z
  .object({ paycardId: PaycardId, balance: Money, held: Money, available: Money, asOf: Timestamp })
  .strict();
export type Balance = z.infer<typeof Balance>;

export const CheckBalance = defineMessage({
  type: "CheckBalance",
  path: "/v1/check-balance",
  from: "wallet",
  to: "broker",
  auth: "envelope",
  summary: "The Wallet asks its broker for a Paycard's balance, holds and available funds.",
  body: z.object({ paycardId: PaycardId, credential: Credential }).strict(),
  reply: Balance,
});

/** Reply to Forget Paycard: the credential is revoked for good (adding the Paycard again issues a new one). */
export const PaycardForgotten = z
  .object({ paycardId: PaycardId, status: z.literal("revoked"), revokedAt: Timestamp })
  .strict();
export type PaycardForgotten = z.infer<typeof PaycardForgotten>;

export const ForgetPaycard = defineMessage({
  type: "ForgetPaycard",
  path: "/v1/forget-paycard",
  from: "wallet",
  to: "broker",
  auth: "envelope",
  summary:
    "The shopper removed the Paycard from the Wallet: the broker revokes its credential, so it can no longer pay or read the balance. Endorsements already given stay good.",
  body: z.object({ paycardId: PaycardId, credential: Credential }).strict(),
  reply: PaycardForgotten,
});

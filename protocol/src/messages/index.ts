/** Every QuickPay message, declared once. Handler maps elsewhere `satisfies` this catalogue. */
import type { z } from "zod";
import { AnswerResponse, CheckBalance, ConfirmPaycard, ForgetPaycard } from "./add-paycard";
import { AddBroker, RegisterVendor, RegisterWallet } from "./administration";
import * as host from "./host";
import {
  CheckCommit,
  GetOrder,
  InquiryPayment,
  RegisterCommit,
  RegisterDelivery,
  RegisterOrder,
  RequestOrderDelivery,
} from "./micropayment";
import * as settlement from "./settlement";

export * from "./add-paycard";
export * from "./administration";
export * from "./define";
export * from "./host";
export * from "./micropayment";
export * from "./settlement";

export const messages = {
  RegisterWallet,
  RegisterVendor,
  AddBroker,
  ConfirmPaycard,
  AnswerResponse,
  CheckBalance,
  ForgetPaycard,
  GetOrder,
  InquiryPayment,
  RequestOrderDelivery,
  CheckCommit,
  RegisterCommit,
  RegisterDelivery,
  RegisterOrder,
  RegisterCommitBatch: host.RegisterCommitBatch,
  RegisterDeliveryBatch: host.RegisterDeliveryBatch,
  RegisterOrderBatch: host.RegisterOrderBatch,
  SettleWithHost: host.SettleWithHost,
  RegisterSettlement: settlement.RegisterSettlement,
  SettleWithBroker: settlement.SettleWithBroker,
  RegisterRevoke: host.RegisterRevoke,
  PostMessage: host.PostMessage,
  FetchMessages: host.FetchMessages,
  SetPlayerStatus: host.SetPlayerStatus,
} as const;

export type Messages = typeof messages;
export type MessageType = keyof Messages;
/** The parsed (output) type of a message's body. */
export type BodyOf<T extends MessageType> = z.output<Messages[T]["body"]>;
/** The input type of a message's body, before normalisation (e.g. money values). */
export type BodyInputOf<T extends MessageType> = z.input<Messages[T]["body"]>;
export type ReplyOf<T extends MessageType> = z.output<Messages[T]["reply"]>;

/** Messages a given party receives, e.g. `MessagesTo<"host">`. */
export type MessagesTo<P extends string> = {
  [K in MessageType]: Messages[K]["to"] extends P ? K : never;
}[MessageType];

/** A map from each message a party receives to its handler; use with `satisfies`. */
export type HandlerMap<P extends string, Ctx> = {
  [K in MessagesTo<P>]: (body: BodyOf<K>, ctx: Ctx) => Promise<ReplyOf<K>>;
};

/**
 * `@quickpay/paycards/broker-kit`: the server side of every broker protocol (Add Paycard, Inquiry
 * Payment, Check Commit, Register Commit, Settle With Broker, Register Settlement, host approvals) with a real SQLite ledger. A broker supplies its key, its
 * answer policy and its accounts; the kit does the rest. Node only.
 */
export { answerResponse, checkBalance, confirmPaycard } from "./add-paycard";
export { type ConsumedApprovals, consumeHostApprovals } from "./approvals";
export { type Broker, type BrokerSettings, defaultBrokerSettings, type HandlerContext } from "./context";
export { installErrorHandlers, toQuickPayError } from "./http-errors";
export * from "./ledger";
export { checkCommit, inquiryPayment } from "./micropayment";
export {
  COMMIT_OUTBOX_POLICY,
  CommitOutbox,
  type CommitOutboxOptions,
  type DrainResult,
  OutboxResendStore,
  type OutboxUnit,
} from "./outbox-sender";
export {
  ACCOUNT_NUMBER_QUESTION,
  type AccountNumberPinOptions,
  type AnswerPolicy,
  accountLabel,
  accountNumberPinPolicy,
  durationInWords,
  PIN_QUESTION,
  type ProvenAccount,
} from "./policy";
export { type BrokerMessageType, brokerHandlers, registerBrokerRoutes } from "./routes";
export { hashSecret, verifySecret } from "./secrets";
export {
  type ApprovalConsumer,
  type BrokerServerOptions,
  createBroker,
  type HoldSweeper,
  type RunningBrokerServer,
  startBroker,
} from "./server";
export { settleWithBroker } from "./settlement";

/**
 * §4.2.2 step 1 on the broker: Settle With Broker. The vendor presents its delivered orders with the
 * broker's endorsements; the broker settles each claimed commitment at most once — capturing the
 * shopper's hold and crediting the vendor — signs ONE statement for the batch and queues Register
 * Settlement for the host.
 */
import {
  type BodyOf,
  formatMoney,
  newId,
  newMessageId,
  QuickPayError,
  type ReplyOf,
  type SettlementStatement,
  settlementRoot,
  signObject,
} from "@quickpay/protocol";
import type { HandlerContext } from "./context";

/** Tries to settle when a concurrent settlement (e.g. a host approval) changed the plan meanwhile. */
const ATTEMPTS = 3;

/** The plan no longer held inside the transaction (a host approval settled an order meanwhile). */
class PlanChanged extends Error {}

export async function settleWithBroker(
  body: BodyOf<"SettleWithBroker">,
  { broker, from, messageId, now, apply }: HandlerContext,
): Promise<ReplyOf<"SettleWithBroker">> {
  const { ledger } = broker;
  if (new Set(body.orders.map((o) => o.orderDigest)).size !== body.orders.length) {
    throw new QuickPayError("invalid_request", "each order digest may appear once per SettleWithBroker");
  }
  const stored = ledger.settlements.statementFor(from, messageId);
  if (stored) return stored;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const plan = ledger.settlements.plan(broker.brokerId, from, body.orders, now.getTime());
    const currency = plan.accepted[0]?.currency ?? body.orders[0]!.endorsement.endorsement.amount.currency;
    const statement: SettlementStatement = {
      statementId: newId("s_"),
      brokerId: broker.brokerId,
      vendorId: from,
      acceptedRoot: settlementRoot(plan.accepted.map((a) => a.orderDigest)),
      accepted: plan.accepted.map((a) => a.orderDigest),
      total: formatMoney({ currency, micros: plan.accepted.reduce((sum, a) => sum + a.amountMicros, 0) }),
      rejected: plan.rejected,
      settledAt: now.toISOString(),
    };
    // Signed before the (synchronous) transaction, which applies it only if the plan still holds.
    const signed = { statement, sig: await signObject(broker.key.privateKey, statement) };
    let repeat = true;
    try {
      const given = apply(() => {
        const done = ledger.settlements.settleBatch(
          {
            brokerId: broker.brokerId,
            vendorId: from,
            messageId,
            orders: body.orders,
            plan,
            signed,
            registerMessageId: newMessageId(),
          },
          now.getTime(),
        );
        // Rolls the transaction back, the message unanswered, to plan and sign again.
        if (!done) throw new PlanChanged();
        repeat = done.repeat;
        return done.signed;
      });
      if (!repeat && given.statement.accepted.length > 0) broker.outbox.kick();
      return given;
    } catch (error) {
      if (!(error instanceof PlanChanged)) throw error;
    }
  }
  throw new QuickPayError("conflict", "the orders were being settled concurrently; send the batch again");
}

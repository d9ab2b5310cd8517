/**
 * §4.2.1 on the broker side: Inquiry Payment (hold + signed endorsement) and Check Commit (the
 * vendor claims the hold; the money moves only when the order is settled).
 *
 * The endorsement states the order's `kind` and the payer tag `payerTag(walletId, payerSalt)` of the
 * wallet whose envelope asked for it; Check Commit refuses (`mismatch`) another kind.
 */
import {
  type BodyOf,
  type Endorsement,
  newId,
  newMessageId,
  parseMoney,
  payerTag,
  QuickPayError,
  type ReplyOf,
  signEndorsement,
} from "@quickpay/protocol";
import type { HandlerContext } from "./context";

export async function inquiryPayment(
  body: BodyOf<"InquiryPayment">,
  { broker, from, now, apply }: HandlerContext,
): Promise<ReplyOf<"InquiryPayment">> {
  const { ledger } = broker;
  const paycard = ledger.paycards.authorize(body.paycardId, from, body.credential);
  const amount = parseMoney(body.amount);
  if (amount.micros <= 0) throw new QuickPayError("invalid_request", "an order amount must be positive");
  if (Date.parse(body.orderExpiresAt) <= now.getTime()) {
    throw new QuickPayError("order_expired", `the order expired at ${body.orderExpiresAt}`);
  }
  // The vendor must exist and be active now: an endorsement is a promise to pay it.
  await broker.directory.active(body.vendorId, "vendor");

  const endorsement: Endorsement = {
    commitId: newId("c_"),
    orderDigest: body.orderDigest,
    vendorId: body.vendorId,
    amount: body.amount,
    kind: body.kind,
    brokerId: broker.brokerId,
    // From the envelope's verified sender, never from the body: a wallet can tag only itself.
    payerTag: payerTag(from, body.payerSalt),
    expiresAt: new Date(now.getTime() + broker.settings.holdTtlMs[body.kind]).toISOString(),
  };
  // Signed before the (synchronous) transaction; if the digest turns out to be a repeat, this
  // signature is simply dropped and the stored endorsement returned.
  const signed = await signEndorsement(broker.key.privateKey, endorsement);
  let repeat = true;
  const reply = apply(() => {
    const result = ledger.commitments.endorse(
      {
        paycardId: paycard.paycard_id,
        accountId: paycard.account_id,
        kind: body.kind,
        amountMicros: amount.micros,
        signed,
        registerMessageId: newMessageId(),
      },
      now.getTime(),
    );
    repeat = result.repeat;
    return { endorsement: result.signed };
  });
  if (!repeat) broker.outbox.kick();
  return reply;
}

export async function checkCommit(
  body: BodyOf<"CheckCommit">,
  { broker, from, now, apply }: HandlerContext,
): Promise<ReplyOf<"CheckCommit">> {
  if (body.vendorId !== from) {
    throw new QuickPayError("forbidden", `vendor ${from} cannot check a commitment made to ${body.vendorId}`);
  }
  const amount = parseMoney(body.amount);
  return apply(() => {
    const claimed = broker.ledger.commitments.claim(
      {
        commitId: body.commitId,
        orderDigest: body.orderDigest,
        vendorId: body.vendorId,
        currency: amount.currency,
        amountMicros: amount.micros,
        kind: body.kind,
      },
      now.getTime(),
      broker.settings.settleWithinMs,
    );
    return { commitId: claimed.commit_id, status: "live" as const };
  });
}

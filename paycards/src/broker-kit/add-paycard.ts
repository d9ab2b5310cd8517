/**
 * §4.1 Add Paycard on the broker side: Confirm Paycard → Take Question, Answer Response; balance; and
 * Forget Paycard, when the shopper removes the Paycard from their Wallet.
 */
import { type BodyOf, formatMoney, QuickPayError, type ReplyOf } from "@quickpay/protocol";
import type { HandlerContext } from "./context";

export async function confirmPaycard(
  body: BodyOf<"ConfirmPaycard">,
  { broker, from, now, apply }: HandlerContext,
): Promise<ReplyOf<"ConfirmPaycard">> {
  if (body.walletId !== from) {
    throw new QuickPayError("forbidden", `wallet ${from} cannot add a Paycard for ${body.walletId}`);
  }
  if (!broker.settings.moduleIds.includes(body.moduleId)) {
    throw new QuickPayError("not_found", `this broker issues no Paycard module "${body.moduleId}"`);
  }
  const expiresAt = now.getTime() + broker.settings.sessionTtlMs;
  return apply(() => {
    const session = broker.ledger.paycards.openSession(
      from,
      body.moduleId,
      broker.settings.maxAttempts,
      expiresAt,
      now.getTime(),
    );
    return {
      sessionId: session.session_id,
      brokerId: broker.brokerId,
      questions: broker.policy.questions(),
      expiresAt: new Date(expiresAt).toISOString(),
    };
  });
}

export async function answerResponse(
  body: BodyOf<"AnswerResponse">,
  { broker, from, now, apply }: HandlerContext,
): Promise<ReplyOf<"AnswerResponse">> {
  const { paycards } = broker.ledger;
  const session = paycards.session(body.sessionId);
  // Another wallet's session looks exactly like a missing one.
  if (!session || session.wallet_id !== from) {
    throw new QuickPayError("not_found", `no Add Paycard session ${body.sessionId}; start again`);
  }
  if (session.status === "locked") {
    throw new QuickPayError("too_many_attempts", "too many wrong answers; start Add Paycard again", {
      attemptsLeft: 0,
    });
  }
  if (session.status === "bound") {
    throw new QuickPayError("conflict", `session ${body.sessionId} has already added its Paycard`);
  }
  if (session.expires_at <= now.getTime()) {
    throw new QuickPayError("not_found", `Add Paycard session ${body.sessionId} expired; start again`);
  }
  // The policy's counts, the session's attempt and the answer (a kept refusal too) commit together.
  return apply(() => {
    // The policy may refuse outright (too_many_attempts while the account cools down): not a session attempt.
    const proven = broker.policy.check(body.answers, broker.ledger, now.getTime());
    if (!proven) {
      const attemptsLeft = paycards.recordWrongAnswer(session.session_id);
      if (attemptsLeft <= 0) {
        throw new QuickPayError("too_many_attempts", "too many wrong answers; start Add Paycard again", {
          attemptsLeft: 0,
        });
      }
      throw new QuickPayError("wrong_answer", "those answers do not match an account", { attemptsLeft });
    }
    const account = broker.ledger.accounts.get(proven.accountId)!;
    const { paycardId, credential } = paycards.bind(
      session.session_id,
      from,
      proven.accountId,
      now.getTime(),
    );
    return { paycardId, accountLabel: proven.accountLabel, currency: account.currency, credential };
  });
}

export async function checkBalance(
  body: BodyOf<"CheckBalance">,
  { broker, from, now }: HandlerContext,
): Promise<ReplyOf<"CheckBalance">> {
  const { ledger } = broker;
  const paycard = ledger.paycards.authorize(body.paycardId, from, body.credential);
  const b = ledger.balance(paycard.account_id, now.getTime());
  return {
    paycardId: paycard.paycard_id,
    balance: formatMoney({ currency: b.currency, micros: b.balanceMicros }),
    held: formatMoney({ currency: b.currency, micros: b.heldMicros }),
    available: formatMoney({ currency: b.currency, micros: b.availableMicros }),
    asOf: now.toISOString(),
  };
}

/**
 * Forget Paycard: the wallet proves it holds the Paycard (same check as balance), and its credential
 * is revoked in the same transaction as the reply, so a resend of the same message gets the same
 * answer while a new message with the dead credential is `unauthorized`.
 */
export async function forgetPaycard(
  body: BodyOf<"ForgetPaycard">,
  { broker, from, now, apply }: HandlerContext,
): Promise<ReplyOf<"ForgetPaycard">> {
  const paycard = broker.ledger.paycards.authorize(body.paycardId, from, body.credential);
  return apply(() => {
    broker.ledger.paycards.revoke(paycard.paycard_id);
    return { paycardId: paycard.paycard_id, status: "revoked" as const, revokedAt: now.toISOString() };
  });
}

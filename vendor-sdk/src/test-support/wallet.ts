/**
 * Test support: a Wallet reduced to its protocol messages — a key registered with the host
 * (Register Wallet), a demo-bank Paycard bound through Confirm Paycard / Answer Response, and
 * Inquiry Payment for an order. What the browser extension does, minus the browser.
 */
import {
  generateKeyPair,
  orderDigest,
  playerIdFor,
  type SignedEndorsement,
  type SignedOrder,
  sendMessage,
  signEnvelope,
} from "@quickpay/protocol";

export interface TestWallet {
  walletId: string;
  /** Inquiry Payment: the broker holds the order's amount and endorses its digest. */
  inquirePayment(signed: SignedOrder): Promise<SignedEndorsement>;
}

export async function createTestWallet(
  hostUrl: string,
  bankUrl: string,
  account: { accountNumber: string; pin: string },
  /** The wallet's clock for its envelopes' `at` (tests that move every player's clock together). */
  now: () => Date = () => new Date(),
): Promise<TestWallet> {
  const keys = generateKeyPair();
  const walletId = playerIdFor("wallet", keys.publicKey);
  const signer = { playerId: walletId, privateKey: keys.privateKey };
  await sendMessage(
    hostUrl,
    "RegisterWallet",
    await signEnvelope(signer, "RegisterWallet", { publicKey: keys.publicKey }, { at: now() }),
  );
  const questions = await sendMessage(
    bankUrl,
    "ConfirmPaycard",
    await signEnvelope(
      signer,
      "ConfirmPaycard",
      { walletId, moduleId: "demo-bank", version: "1.0.0" },
      { at: now() },
    ),
  );
  const bound = await sendMessage(
    bankUrl,
    "AnswerResponse",
    await signEnvelope(
      signer,
      "AnswerResponse",
      { sessionId: questions.sessionId, answers: { accountNumber: account.accountNumber, pin: account.pin } },
      { at: now() },
    ),
  );
  return {
    walletId,
    async inquirePayment({ order }) {
      const reply = await sendMessage(
        bankUrl,
        "InquiryPayment",
        await signEnvelope(
          signer,
          "InquiryPayment",
          {
            paycardId: bound.paycardId,
            credential: bound.credential,
            orderDigest: orderDigest(order),
            vendorId: order.vendorId,
            amount: order.amount,
            kind: order.kind,
            orderExpiresAt: order.expiresAt,
          },
          { at: now() },
        ),
      );
      return reply.endorsement;
    },
  };
}

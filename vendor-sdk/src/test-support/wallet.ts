/**
 * Test support: a Wallet reduced to its protocol messages — a key registered with the host
 * (Register Wallet), a demo-bank Paycard bound through Confirm Paycard / Answer Response, and
 * Inquiry Payment for an order, and Register Order with the host. What the browser extension does,
 * minus the browser: a fresh payer salt per order, sent to the broker and the host only.
 */
import {
  generateKeyPair,
  newPayerSalt,
  orderDigest,
  playerIdFor,
  type SignedEndorsement,
  type SignedOrder,
  sendMessage,
  signEnvelope,
} from "@quickpay/protocol";

export interface TestWallet {
  walletId: string;
  /**
   * Inquiry Payment: the broker holds the order's amount and endorses its digest, tagged with this
   * wallet and the order's payer salt (fresh per order, the same when the order is asked again).
   */
  inquirePayment(signed: SignedOrder): Promise<SignedEndorsement>;
  /** Register Order: the wallet's side of the vote, opening the endorsement's payer tag to the host. */
  registerOrder(endorsement: SignedEndorsement): Promise<void>;
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
  // One salt per order digest, never shown to the vendor.
  const salts = new Map<string, string>();
  return {
    walletId,
    async inquirePayment({ order }) {
      const digest = orderDigest(order);
      const payerSalt = salts.get(digest) ?? newPayerSalt();
      salts.set(digest, payerSalt);
      const reply = await sendMessage(
        bankUrl,
        "InquiryPayment",
        await signEnvelope(
          signer,
          "InquiryPayment",
          {
            paycardId: bound.paycardId,
            credential: bound.credential,
            orderDigest: digest,
            vendorId: order.vendorId,
            amount: order.amount,
            kind: order.kind,
            orderExpiresAt: order.expiresAt,
            payerSalt,
          },
          { at: now() },
        ),
      );
      return reply.endorsement;
    },
    async registerOrder({ endorsement: e }) {
      const payerSalt = salts.get(e.orderDigest);
      await sendMessage(
        hostUrl,
        "RegisterOrder",
        await signEnvelope(
          signer,
          "RegisterOrder",
          {
            orderDigest: e.orderDigest,
            commitId: e.commitId,
            vendorId: e.vendorId,
            amount: e.amount,
            ...(payerSalt ? { payerSalt } : {}),
          },
          { at: now() },
        ),
      );
    },
  };
}

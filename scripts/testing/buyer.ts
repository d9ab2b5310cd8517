/**
 * The smallest wallet that can buy from the demo shop over the wire, for tests of the process
 * harness: register a key, add a demo bank Paycard, Get Order, Inquiry Payment, and Request Order
 * Delivery as often as a test likes with the same order and endorsement. No outbox, no retries:
 * the Wallet's engine (extension/) is what recovers; this only puts a purchase where a test wants it.
 */
import { DEMO_BANK_MODULE_ID, DEMO_BANK_MODULE_VERSION } from "@quickpay/paycards/demo-bank";
import {
  generateKeyPair,
  orderDigest,
  playerIdFor,
  type SignedEndorsement,
  type SignedOrder,
  sendMessage,
  signEnvelope,
} from "@quickpay/protocol";

export interface Purchase {
  order: SignedOrder;
  digest: string;
  endorsement: SignedEndorsement;
}

export interface Buyer {
  walletId: string;
  /** Get Order for the item and Inquiry Payment with the bank: an endorsed order, not delivered yet. */
  endorse(itemId: string): Promise<Purchase>;
  /** Request Order Delivery with the purchase's order and endorsement, the reply as it came. */
  requestDelivery(purchase: Purchase): Promise<{ status: number; json: Record<string, unknown> }>;
}

export async function startBuyer(
  network: { hostUrl: string; bankUrl: string; shopUrl: string },
  account: { accountNumber: string; pin: string },
): Promise<Buyer> {
  const keys = generateKeyPair();
  const walletId = playerIdFor("wallet", keys.publicKey);
  const signer = { playerId: walletId, privateKey: keys.privateKey };
  await sendMessage(
    network.hostUrl,
    "RegisterWallet",
    await signEnvelope(signer, "RegisterWallet", { publicKey: keys.publicKey }),
  );
  const take = await sendMessage(
    network.bankUrl,
    "ConfirmPaycard",
    await signEnvelope(signer, "ConfirmPaycard", {
      walletId,
      moduleId: DEMO_BANK_MODULE_ID,
      version: DEMO_BANK_MODULE_VERSION,
    }),
  );
  const paycard = await sendMessage(
    network.bankUrl,
    "AnswerResponse",
    await signEnvelope(signer, "AnswerResponse", {
      sessionId: take.sessionId,
      answers: { accountNumber: account.accountNumber, pin: account.pin },
    }),
  );
  const vendorEndpoint = `${network.shopUrl}/quickpay`;
  return {
    walletId,
    async endorse(itemId) {
      const order = await sendMessage(vendorEndpoint, "GetOrder", { itemId });
      const digest = orderDigest(order.order);
      const { endorsement } = await sendMessage(
        network.bankUrl,
        "InquiryPayment",
        await signEnvelope(signer, "InquiryPayment", {
          paycardId: paycard.paycardId,
          credential: paycard.credential,
          orderDigest: digest,
          vendorId: order.order.vendorId,
          amount: order.order.amount,
          kind: order.order.kind,
          orderExpiresAt: order.order.expiresAt,
        }),
      );
      return { order, digest, endorsement };
    },
    async requestDelivery(purchase) {
      const response = await fetch(`${vendorEndpoint}/v1/request-order-delivery`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ order: purchase.order, endorsement: purchase.endorsement }),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    },
  };
}

/**
 * The smallest wallet that can buy from the demo shop over the wire, for tests of the process
 * harness: register a key, add a demo bank Paycard, Get Order, Inquiry Payment, and Request Order
 * Delivery as often as a test likes with the same order and endorsement. No outbox, no retries:
 * the Wallet's engine (extension/) is what recovers; this only puts a purchase where a test wants it.
 */
import { orderDigest, type SignedEndorsement, type SignedOrder, sendMessage } from "@quickpay/protocol";
import { createTestWallet } from "@quickpay/vendor-sdk/testing";

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

/** The vendor SDK's protocol-level test wallet (register, demo Paycard, Inquiry Payment) plus the shop's side. */
export async function startBuyer(
  network: { hostUrl: string; bankUrl: string; shopUrl: string },
  account: { accountNumber: string; pin: string },
): Promise<Buyer> {
  const wallet = await createTestWallet(network.hostUrl, network.bankUrl, account);
  const vendorEndpoint = `${network.shopUrl}/quickpay`;
  return {
    walletId: wallet.walletId,
    async endorse(itemId) {
      const order = await sendMessage(vendorEndpoint, "GetOrder", { itemId });
      return { order, digest: orderDigest(order.order), endorsement: await wallet.inquirePayment(order) };
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

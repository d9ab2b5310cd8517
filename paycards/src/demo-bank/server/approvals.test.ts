/**
 * The demo bank pays host settlement approvals by itself (its periodic poll of the host mailbox), and
 * its live balances show the payment only once it is settled.
 */
import { type RunningHost, startHost } from "@quickpay/host-server";
import {
  type MessageType,
  newPayerSalt,
  randomBytes,
  type SignedEndorsement,
  type Signer,
  sendMessage,
  sha256Hex,
  signEnvelope,
} from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTestVendor, registerTestWallet } from "../../testing/players";
import { type RunningBroker, startDemoBank } from "./start";

let host: RunningHost;
let bank: RunningBroker;

beforeAll(async () => {
  host = await startHost();
  bank = await startDemoBank({ hostUrl: host.url, operatorToken: host.operatorToken, approvalPollMs: 25 });
});

afterAll(async () => {
  await bank?.close();
  await host?.close();
});

async function send<T extends MessageType>(to: string, signer: Signer, type: T, body: unknown) {
  return sendMessage(to, type, (await signEnvelope(signer, type, body)) as never);
}

describe("demo bank settlement", () => {
  it("pays a host approval from its mailbox on its own poll, once", async () => {
    const wallet = await registerTestWallet(host.url);
    const vendor = await registerTestVendor(host.url);
    const take = await send(bank.url, wallet.signer, "ConfirmPaycard", {
      walletId: wallet.id,
      moduleId: "demo-bank",
      version: "1.0.0",
    });
    const paycard = await send(bank.url, wallet.signer, "AnswerResponse", {
      sessionId: take.sessionId,
      answers: { accountNumber: "1000-0001", pin: "1234" },
    });
    const { endorsement } = (await send(bank.url, wallet.signer, "InquiryPayment", {
      paycardId: paycard.paycardId,
      credential: paycard.credential,
      orderDigest: sha256Hex(randomBytes(32)),
      vendorId: vendor.id,
      amount: { currency: "USD", value: "0.01" },
      kind: "micro",
      orderExpiresAt: new Date(Date.now() + 60_000).toISOString(),
      payerSalt: newPayerSalt(),
    })) as { endorsement: SignedEndorsement };
    const { commitId, orderDigest, vendorId, amount } = endorsement.endorsement;
    const alice = () => bank.liveAccounts().find((a) => a.accountNumber === "1000-0001");
    const before = alice()!;
    await send(bank.url, vendor.signer, "CheckCommit", {
      commitId,
      orderDigest,
      vendorId,
      amount,
      kind: "micro",
    });
    // Claimed, not yet paid: the cent is held, the balance untouched.
    expect(alice()).toMatchObject({ balance: before.balance, held: { currency: "USD", value: "0.01" } });
    await bank.server.flushOutbox();
    await send(host.url, vendor.signer, "RegisterDelivery", { orderDigest, commitId, vendorId, amount });
    const approved = (await send(host.url, vendor.signer, "SettleWithHost", {
      orders: [{ orderDigest }],
    })) as { results: { status: string }[] };
    expect(approved.results[0]?.status).toBe("approved");

    await expect.poll(() => bank.server.ledger.settlements.payable(vendor.id)).toBe(10_000);
    expect(bank.server.ledger.settlements.byCommit(commitId)?.path).toBe("host");
    expect(await bank.server.consumeApprovals()).toEqual({
      paid: [],
      alreadySettled: [],
      expired: [],
      invalid: 0,
    });
    expect(bank.server.ledger.settlements.payable(vendor.id)).toBe(10_000);
    // Settled: the cent is captured, and the live balance (not the seed's) says so.
    expect(alice()).toMatchObject({
      holder: "Alice Demo",
      pin: "1234",
      balance: { currency: "USD", value: "4.99" },
      held: { currency: "USD", value: "0.00" },
      available: { currency: "USD", value: "4.99" },
    });
    expect(bank.accounts[0]!.balance).toEqual({ currency: "USD", value: "5.00" });
  });
});

/**
 * The settlement runner end to end over real HTTP: a real System Host, the real demo bank broker,
 * a protocol-level wallet and the vendor handlers on loopback. Each order is paid exactly once,
 * whichever path settles it.
 */
import { type RunningHost, startHost } from "@quickpay/host-server";
import { type RunningBroker, startDemoBank } from "@quickpay/paycards/demo-bank/server";
import {
  assertSettlementStatement,
  type FetchLike,
  generateKeyPair,
  playerIdFor,
  SignedOrder,
  sendMessage,
  signEnvelope,
} from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, type Served, serveFetch } from "../test-support/serve";
import { createTestWallet, type TestWallet } from "../test-support/wallet";
import { createVendorHandlers, type VendorHandlers } from "./handlers";
import { registerVendor } from "./register";
import { type SettlementConfig, settlePending } from "./settlement";
import { MemoryVendorStore } from "./store";

let host: RunningHost;
let bank: RunningBroker;
let wallet: TestWallet;
let handlers: VendorHandlers;
let served: Served;
let endpoint: string;
let config: SettlementConfig;
const store = new MemoryVendorStore();
const keys = generateKeyPair();
const vendorId = playerIdFor("vendor", keys.publicKey);
/** How far the broker's clock (and the settling vendor's) runs ahead, to pass its settle-by window. */
let skewMs = 0;
const skewed = () => new Date(Date.now() + skewMs);

/** A transport on which the broker never answers Settle With Broker (it is "down" for settlement). */
const brokerDown: FetchLike = (input, init) =>
  input.endsWith("/v1/settle-with-broker")
    ? Promise.reject(new TypeError("connect ECONNREFUSED"))
    : fetch(input, init);

beforeAll(async () => {
  host = await startHost();
  bank = await startDemoBank({
    hostUrl: host.url,
    operatorToken: host.operatorToken,
    approvalPollMs: 0,
    now: skewed,
  });
  handlers = createVendorHandlers({
    vendorId,
    privateKey: keys.privateKey,
    hostUrl: host.url,
    store,
    catalog: {
      get: async (id) => ({ id, description: `Article ${id}`, amount: { currency: "USD", value: "0.01" } }),
    },
    deliver: async (item) => ({ mediaType: "text/plain", body: `The text of ${item.id}` }),
    outboxTimer: false,
  });
  served = await serveFetch(
    async (req) => (await handlers.handle(req)) ?? new Response(null, { status: 404 }),
  );
  endpoint = `${served.url}/quickpay`;
  await registerVendor(host.url, keys, { name: "Settling Shop", origins: [served.url], endpoint });
  wallet = await createTestWallet(host.url, bank.url, bank.accounts[0]!);
  config = { vendorId, privateKey: keys.privateKey, hostUrl: host.url, store };
});

afterAll(async () => {
  await handlers?.close();
  await served?.close();
  await bank?.close();
  await host?.close();
});

let n = 0;
/** Buys one article end to end; its commit and delivery reach the host (the majority for the host path). */
async function buy(): Promise<string> {
  const r = await postJson(`${endpoint}/v1/get-order`, { itemId: `article-${++n}` });
  const order = SignedOrder.parse(r.json);
  const endorsement = await wallet.inquirePayment(order);
  const reply = await sendMessage(endpoint, "RequestOrderDelivery", { order, endorsement });
  // Register Delivery goes out in the background after the reply; the host's vote needs it.
  await handlers.flushOutbox();
  await bank.server.flushOutbox();
  return reply.orderDigest;
}

const payable = () => bank.server.ledger.settlements.payable(vendorId);

async function settleWithHostDirectly(orderDigest: string) {
  const envelope = await signEnvelope({ playerId: vendorId, privateKey: keys.privateKey }, "SettleWithHost", {
    orders: [{ orderDigest }],
  });
  return sendMessage(host.url, "SettleWithHost", envelope);
}

describe("settlePending", () => {
  it("settles delivered orders with the broker under one verified statement, once", async () => {
    const digests = [await buy(), await buy(), await buy()];
    const before = payable();
    const report = await settlePending(config);
    expect([...report.byBroker].sort()).toEqual([...digests].sort());
    expect(report).toMatchObject({ byHost: [], unsettled: [] });
    expect(report.statements).toHaveLength(1);
    await assertSettlementStatement(report.statements[0]!, bank.publicKey);
    expect(report.statements[0]!.statement.total).toEqual({ currency: "USD", value: "0.03" });
    expect(payable() - before).toBe(30_000);
    expect(await store.unsettledDeliveries()).toEqual([]);

    const again = await settlePending(config);
    expect(again.byBroker).toEqual([]);
    expect(again.statements).toEqual([]);
    // (a) the broker told the host: Settle With Host now refuses the order.
    expect((await bank.server.flushOutbox()).pending).toBe(0);
    expect((await settleWithHostDirectly(digests[0]!)).results[0]).toMatchObject({
      status: "rejected",
      code: "already_settled",
    });
    expect(payable() - before).toBe(30_000);
  });

  it("falls back to Settle With Host when the broker does not answer; the broker pays that approval once", async () => {
    const digest = await buy();
    const before = payable();
    const report = await settlePending({ ...config, fetch: brokerDown });
    expect(report).toMatchObject({ byBroker: [], byHost: [digest], unsettled: [] });
    expect(await bank.server.consumeApprovals()).toMatchObject({ paid: [digest] });
    expect(payable() - before).toBe(10_000);

    // (b) the broker, having paid the host's approval, refuses its own path for the order.
    const delivery = (await store.findDelivery(bank.server.ledger.commitments.byDigest(digest)!.commit_id))!;
    const envelope = await signEnvelope(
      { playerId: vendorId, privateKey: keys.privateKey },
      "SettleWithBroker",
      {
        orders: [{ orderDigest: digest, endorsement: delivery.endorsement! }],
      },
    );
    const statement = await sendMessage(bank.url, "SettleWithBroker", envelope);
    expect(statement.statement).toMatchObject({ accepted: [], rejected: [{ code: "already_settled" }] });
    expect(await bank.server.consumeApprovals()).toMatchObject({ paid: [] });
    expect(payable() - before).toBe(10_000);
  });

  it("(c) racing both paths for the same orders credits the vendor exactly once", async () => {
    const digests = [await buy(), await buy()];
    const before = payable();
    const [viaBroker, viaHost] = await Promise.all([
      settlePending(config),
      settlePending({ ...config, fetch: brokerDown }),
    ]);
    await bank.server.flushOutbox();
    await bank.server.consumeApprovals();
    expect(payable() - before).toBe(20_000);
    const closed = [...viaBroker.byBroker, ...viaBroker.byHost, ...viaHost.byHost, ...viaHost.alreadySettled];
    for (const d of digests) expect(closed).toContain(d);
    expect(await store.unsettledDeliveries()).toEqual([]);
  });

  it("leaves an order the host cannot approve for the next run, with the host's reason", async () => {
    const digest = await buy();
    // Neither path is reachable: the host is asked through a transport that cannot reach it either.
    const offline: FetchLike = () => Promise.reject(new TypeError("network down"));
    const report = await settlePending({ ...config, fetch: offline });
    expect(report.unsettled).toEqual([
      { orderDigest: digest, code: expect.stringMatching(/unreachable/), reason: expect.any(String) },
    ]);
    expect((await store.unsettledDeliveries()).map((d) => d.orderDigest)).toEqual([digest]);
    expect((await settlePending(config)).byBroker).toEqual([digest]);
  });

  it("closes an order the broker let lapse (not settled within its window) as lapsed, without asking the host", async () => {
    const digest = await buy();
    const commitId = bank.server.ledger.commitments.byDigest(digest)!.commit_id;
    const before = payable();
    skewMs = 31 * 24 * 60 * 60_000;
    try {
      const report = await settlePending({ ...config, now: skewed });
      expect(report).toMatchObject({ byBroker: [], byHost: [], lapsed: [digest], unsettled: [] });
    } finally {
      skewMs = 0;
    }
    expect(payable() - before).toBe(0);
    expect(bank.server.ledger.commitments.byDigest(digest)!.status).toBe("released");
    expect((await store.findDelivery(commitId)) as { settlement?: unknown }).toMatchObject({
      settlement: { outcome: "lapsed" },
    });
    expect(await store.unsettledDeliveries()).toEqual([]);
  });
});

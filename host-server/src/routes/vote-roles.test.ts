/**
 * The majority vote counts three independent parties (DESIGN §4.2.2), over real HTTP on both
 * stores, with a second, rogue broker and a vendor with a wallet of its own: the vendor cannot cast
 * the wallet's vote, the rogue broker cannot fix, revoke or settle the endorsing broker's order, and
 * a suspended broker's endorsements do not settle. Each case is one reproduction of issue 12.
 */
import {
  type Endorsement,
  formatMoney,
  newId,
  newPayerSalt,
  payerTag,
  type SettlementStatement,
  settlementRoot,
  sha256Hex,
  signEndorsement,
  signObject,
} from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCluster, type TestCluster } from "../store/postgres/test-cluster";
import { envelope, get, makePlayer, post, startTestHost, type TestPlayer } from "../test-kit";

let t: Awaited<ReturnType<typeof startTestHost>>;
/** A second broker in the directory, with no part in the orders below. */
let rogue: TestPlayer;
/** A wallet the vendor registered for itself. */
let vendorsWallet: TestPlayer;
const url = (path: string) => `${t.host.url}${path}`;

/** One purchase: the broker's endorsement carries the payer tag of the shopper's wallet. */
interface Purchase {
  orderDigest: string;
  salt: string;
  endorsement: Awaited<ReturnType<typeof signEndorsement>>;
  facts: {
    orderDigest: string;
    commitId: string;
    vendorId: string;
    amount: { currency: string; value: string };
  };
}

/** `broker`'s endorsement of a fresh order (or of `orderDigest`), tagged for the test's shopper wallet. */
async function purchase(broker: TestPlayer, orderDigest = sha256Hex(newId())): Promise<Purchase> {
  const salt = newPayerSalt();
  const endorsement: Endorsement = {
    commitId: `c_${newId()}`,
    orderDigest,
    vendorId: t.vendor.id,
    amount: { currency: "USD", value: "0.01" },
    kind: "micro",
    brokerId: broker.id,
    payerTag: payerTag(t.wallet.id, salt),
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  };
  const { commitId, vendorId, amount } = endorsement;
  return {
    orderDigest,
    salt,
    endorsement: await signEndorsement(broker.privateKey, endorsement),
    facts: { orderDigest, commitId, vendorId, amount },
  };
}

const ok = <R extends { status: number; json: unknown }>(reply: R): R => {
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return reply;
};
const registerCommit = async (broker: TestPlayer, o: Purchase) =>
  ok(
    await post(
      url("/v1/register-commit"),
      await envelope(broker, "RegisterCommit", { endorsement: o.endorsement }),
    ),
  );
const registerDelivery = async (o: Purchase) =>
  ok(await post(url("/v1/register-delivery"), await envelope(t.vendor, "RegisterDelivery", o.facts)));
const registerOrder = async (wallet: TestPlayer, o: Purchase, payerSalt?: string) =>
  ok(
    await post(
      url("/v1/register-order"),
      await envelope(wallet, "RegisterOrder", payerSalt ? { ...o.facts, payerSalt } : o.facts),
    ),
  );
const registerRevoke = async (broker: TestPlayer, o: Purchase) =>
  post(
    url("/v1/register-revoke"),
    await envelope(broker, "RegisterRevoke", { ...o.facts, reason: "returned" }),
  );

/** Settle With Host for one order, presenting its endorsement (as the vendor SDK does) or not. */
async function settle(o: Purchase, present = true) {
  const order = present
    ? { orderDigest: o.orderDigest, endorsement: o.endorsement }
    : { orderDigest: o.orderDigest };
  const reply = ok(
    await post(url("/v1/settle-with-host"), await envelope(t.vendor, "SettleWithHost", { orders: [order] })),
  );
  return reply.json.results[0] as {
    status: string;
    code?: string;
    approval?: { approval: { brokerId: string } };
  };
}

async function mailOf(player: TestPlayer) {
  const reply = ok(await post(url("/v1/fetch-messages"), await envelope(player, "FetchMessages", {})));
  return reply.json.messages as { kind: string; from: string; body: { orderDigest?: string } }[];
}
/** Mail about `o`: revoke alerts, refund notices and memos all name the order's digest. */
const mailAbout = async (player: TestPlayer, o: Purchase) =>
  (await mailOf(player)).filter((m) => m.body.orderDigest === o.orderDigest);

async function setStatus(player: TestPlayer, status: "active" | "suspended") {
  ok(await post(url("/v1/admin/set-player-status"), { playerId: player.id, status }, t.operator));
}

// The same behaviour on both stores: the host on SQLite, then on a real PostgreSQL cluster.
describe.each(["sqlite", "postgres"] as const)("the vote's three parties (%s)", (store) => {
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    if (store === "postgres") cluster = await startTestCluster();
    t = await startTestHost(cluster ? { databaseUrl: cluster.url } : {});
    rogue = makePlayer("broker");
    ok(
      await post(
        url("/v1/admin/add-broker"),
        { publicKey: rogue.publicKey, name: "Rogue Bank", endpoint: "http://127.0.0.1:9/rogue" },
        t.operator,
      ),
    );
    vendorsWallet = makePlayer("wallet");
    ok(
      await post(
        url("/v1/register-wallet"),
        await envelope(vendorsWallet, "RegisterWallet", { publicKey: vendorsWallet.publicKey }),
      ),
    );
  }, 120_000);
  afterAll(async () => {
    await t?.host.close();
    await cluster?.stop();
  }, 120_000);

  describe("the wallet's side", () => {
    it("does not count a wallet the vendor registered for itself, even with the shopper's salt", async () => {
      const o = await purchase(t.broker);
      await registerDelivery(o);
      await registerOrder(vendorsWallet, o);
      await registerOrder(vendorsWallet, o, o.salt);
      await registerOrder(vendorsWallet, o, newPayerSalt());
      // The vendor's delivery and "its" wallet, no broker commit and no shopper: no majority.
      expect(await settle(o)).toMatchObject({ status: "rejected", code: "mismatch" });
      // The shopper's wallet without the salt (or with another) does not open the tag either.
      await registerOrder(t.wallet, o);
      await registerOrder(t.wallet, o, newPayerSalt());
      expect(await settle(o)).toMatchObject({ status: "rejected", code: "mismatch" });
      // The wallet that asked the broker for the endorsement opens it: delivery + order agree.
      await registerOrder(t.wallet, o, o.salt);
      expect(await settle(o)).toMatchObject({ status: "approved" });
    });

    it("sends the vendor's memo to the wallet that opens the tag, not the vendor's own", async () => {
      const o = await purchase(t.broker);
      await registerOrder(vendorsWallet, o, newPayerSalt());
      await registerCommit(t.broker, o);
      await registerOrder(t.wallet, o, o.salt);
      const memo = { to: { walletOfOrder: o.orderDigest }, text: "thanks", orderDigest: o.orderDigest };
      ok(await post(url("/v1/post-message"), await envelope(t.vendor, "PostMessage", memo)));
      expect((await mailAbout(t.wallet, o)).map((m) => [m.kind, m.from])).toEqual([["Memo", t.vendor.id]]);
      expect(await mailAbout(vendorsWallet, o)).toEqual([]);
    });
  });

  describe("a second, rogue broker", () => {
    it("cannot make an honest three-way agreement fail by registering a commitment first", async () => {
      const o = await purchase(t.broker);
      const squat = await purchase(rogue, o.orderDigest);
      await registerCommit(rogue, squat);
      await registerCommit(t.broker, o);
      await registerDelivery(o);
      await registerOrder(t.wallet, o, o.salt);
      const result = await settle(o);
      expect(result).toMatchObject({ status: "approved" });
      expect(result.approval?.approval.brokerId).toBe(t.broker.id);
      expect((await mailAbout(rogue, o)).map((m) => m.kind)).toEqual([]);
      // Its own endorsement has its commit side alone: the vendor delivered the honest commitment.
      expect(await settle(squat)).toMatchObject({ status: "rejected", code: "mismatch" });
    });

    it("does not become the order's commit side on the public order page by registering first", async () => {
      const o = await purchase(t.broker);
      await registerCommit(rogue, await purchase(rogue, o.orderDigest));
      await registerOrder(vendorsWallet, {
        ...o,
        facts: { ...o.facts, amount: { currency: "USD", value: "9.99" } },
      });
      await registerCommit(t.broker, o);
      await registerDelivery(o);
      await registerOrder(t.wallet, o, o.salt);
      const page = await get(url(`/v1/orders/${o.orderDigest}`));
      expect(page.status).toBe(200);
      expect(page.json).toMatchObject({
        commit: { commitId: o.facts.commitId, from: t.broker.id },
        delivery: { commitId: o.facts.commitId },
        order: { commitId: o.facts.commitId, amount: o.facts.amount, from: null },
        agree: true,
        // The rogue's commitment and the vendor's wallet disagree, and the page says so.
        flagged: true,
      });
    });

    it("cannot register the endorsing broker's commitment as its own", async () => {
      const o = await purchase(t.broker);
      const reply = await post(
        url("/v1/register-commit"),
        await envelope(rogue, "RegisterCommit", { endorsement: o.endorsement }),
      );
      expect(reply).toMatchObject({ status: 403, json: { error: { code: "forbidden" } } });
      await registerDelivery(o);
      expect(await settle(o, false)).toMatchObject({ status: "rejected", code: "not_registered" });
    });

    it("decides the vote on the one endorsement with a majority when the vendor presents none", async () => {
      const o = await purchase(t.broker);
      await registerCommit(rogue, await purchase(rogue, o.orderDigest));
      await registerCommit(t.broker, o);
      // Two commit sides, each alone: neither broker's is the order's yet.
      expect(await settle(o, false)).toMatchObject({ status: "rejected", code: "mismatch" });
      await registerDelivery(o);
      expect(await settle(o, false)).toMatchObject({ status: "approved" });
    });

    it("cannot revoke an order whose commit side is not registered yet", async () => {
      const o = await purchase(t.broker);
      await registerOrder(t.wallet, o, o.salt);
      // Recorded as the rogue's own revoke (the vendor is alerted at once), it revokes nothing.
      ok(await registerRevoke(rogue, o));
      expect((await mailAbout(t.vendor, o)).map((m) => [m.kind, m.from])).toEqual([
        ["RevokeAlert", rogue.id],
      ]);
      await registerCommit(t.broker, o);
      await registerDelivery(o);
      expect(await settle(o)).toMatchObject({ status: "approved" });
      // Nor does it reach the shopper's wallet as a refund notice.
      expect((await mailAbout(t.wallet, o)).filter((m) => m.kind === "RefundNotice")).toEqual([]);
      const view = await get(url(`/v1/admin/orders/${o.orderDigest}`), t.operator);
      expect(view.json.revokes.map((r: { brokerId: string }) => r.brokerId)).toEqual([rogue.id]);
      expect(view.json.settlements.map((s: { brokerId: string }) => s.brokerId)).toEqual([t.broker.id]);
    });

    it("cannot settle the endorsing broker's order by settling its own commitment for the digest", async () => {
      const o = await purchase(t.broker);
      const theirs = await purchase(rogue, o.orderDigest);
      await registerCommit(rogue, theirs);
      const statement: SettlementStatement = {
        statementId: newId("s_"),
        brokerId: rogue.id,
        vendorId: t.vendor.id,
        acceptedRoot: settlementRoot([o.orderDigest]),
        accepted: [o.orderDigest],
        total: formatMoney({ currency: "USD", micros: 10_000 }),
        rejected: [],
        settledAt: new Date().toISOString(),
      };
      const registered = await post(
        url("/v1/register-settlement"),
        await envelope(rogue, "RegisterSettlement", {
          statement: { statement, sig: await signObject(rogue.privateKey, statement) },
        }),
      );
      expect(ok(registered).json).toMatchObject({ recorded: [o.orderDigest] });
      await registerCommit(t.broker, o);
      await registerDelivery(o);
      expect(await settle(o)).toMatchObject({ status: "approved" });
    });

    it("leaves the endorsing broker's own early revoke in force", async () => {
      const o = await purchase(t.broker);
      ok(await registerRevoke(t.broker, o));
      await registerCommit(t.broker, o);
      await registerDelivery(o);
      await registerOrder(t.wallet, o, o.salt);
      expect(await settle(o)).toMatchObject({ status: "rejected", code: "revoked" });
    });

    it("sends the endorsing broker's refund notice to the shopper's wallet", async () => {
      const o = await purchase(t.broker);
      await registerCommit(t.broker, o);
      await registerOrder(t.wallet, o, o.salt);
      ok(await registerRevoke(t.broker, o));
      expect((await mailAbout(t.wallet, o)).map((m) => [m.kind, m.from])).toEqual([
        ["RefundNotice", t.broker.id],
      ]);
    });
  });

  describe("a suspended broker", () => {
    it("has its endorsements refused by Settle With Host until the operator reactivates it", async () => {
      const o = await purchase(t.broker);
      await registerCommit(t.broker, o);
      await registerDelivery(o);
      await registerOrder(t.wallet, o, o.salt);
      await setStatus(t.broker, "suspended");
      try {
        expect(await settle(o)).toMatchObject({ status: "rejected", code: "suspended" });
        expect(await settle(o, false)).toMatchObject({ status: "rejected", code: "suspended" });
      } finally {
        await setStatus(t.broker, "active");
      }
      expect(await settle(o)).toMatchObject({ status: "approved" });
    });
  });
});

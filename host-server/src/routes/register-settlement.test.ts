/** Register Settlement over real HTTP, on both stores: the broker's statement closes the host path, and vice versa. */
import { formatMoney, newId, type SettlementStatement, settlementRoot, signObject } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCluster, type TestCluster } from "../store/postgres/test-cluster";
import { endorsed, envelope, get, makePlayer, post, startTestHost, type TestPlayer } from "../test-kit";

let t: Awaited<ReturnType<typeof startTestHost>>;
const url = (path: string) => `${t.host.url}${path}`;

async function statementOf(broker: TestPlayer, vendorId: string, accepted: string[], micros = 10_000) {
  const statement: SettlementStatement = {
    statementId: newId("s_"),
    brokerId: broker.id,
    vendorId,
    acceptedRoot: settlementRoot(accepted),
    accepted,
    total: formatMoney({ currency: "USD", micros: micros * accepted.length }),
    rejected: [],
    settledAt: new Date().toISOString(),
  };
  return { statement, sig: await signObject(broker.privateKey, statement) };
}

async function committed(sides: ("commit" | "delivery" | "order")[] = ["commit", "delivery"]) {
  const o = await endorsed(t.broker, t.vendor.id);
  for (const side of sides) {
    const reply =
      side === "commit"
        ? await post(
            url("/v1/register-commit"),
            await envelope(t.broker, "RegisterCommit", { endorsement: o.endorsement }),
          )
        : side === "delivery"
          ? await post(url("/v1/register-delivery"), await envelope(t.vendor, "RegisterDelivery", o.facts))
          : await post(url("/v1/register-order"), await envelope(t.wallet, "RegisterOrder", o.facts));
    expect(reply.status).toBe(200);
  }
  return o;
}

const settleWithHost = async (digest: string) =>
  post(
    url("/v1/settle-with-host"),
    await envelope(t.vendor, "SettleWithHost", { orders: [{ orderDigest: digest }] }),
  );

// The same behaviour on both stores: the host on SQLite, then on a real PostgreSQL cluster.
describe.each(["sqlite", "postgres"] as const)("Register Settlement (%s)", (store) => {
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    if (store === "postgres") cluster = await startTestCluster();
    t = await startTestHost(cluster ? { databaseUrl: cluster.url } : {});
  }, 120_000);
  afterAll(async () => {
    await t?.host.close();
    await cluster?.stop();
  }, 120_000);

  it("records the broker's settlement once; Settle With Host then refuses it as already_settled", async () => {
    const a = await committed();
    const b = await committed();
    const env = await envelope(t.broker, "RegisterSettlement", {
      statement: await statementOf(t.broker, t.vendor.id, [a.orderDigest, b.orderDigest]),
    });
    const reply = await post(url("/v1/register-settlement"), env);
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ alreadySettled: [], rejected: [] });
    expect([...reply.json.recorded].sort()).toEqual([a.orderDigest, b.orderDigest].sort());
    expect((await post(url("/v1/register-settlement"), env)).json).toEqual(reply.json);

    const refused = await settleWithHost(a.orderDigest);
    expect(refused.json.results[0]).toMatchObject({ status: "rejected", code: "already_settled" });
    const view = await get(url(`/v1/admin/orders/${a.orderDigest}`), t.operator);
    expect(view.json.settlements).toMatchObject([
      { path: "broker", brokerId: t.broker.id, vendorId: t.vendor.id },
    ]);
    expect(await fetchApprovals()).not.toContain(a.orderDigest);
  });

  it("reports an order the host already approved in alreadySettled and changes nothing for it", async () => {
    const a = await committed();
    expect((await settleWithHost(a.orderDigest)).json.results[0].status).toBe("approved");
    const reply = await post(
      url("/v1/register-settlement"),
      await envelope(t.broker, "RegisterSettlement", {
        statement: await statementOf(t.broker, t.vendor.id, [a.orderDigest]),
      }),
    );
    expect(reply.json).toMatchObject({ recorded: [], alreadySettled: [a.orderDigest], rejected: [] });
    const view = await get(url(`/v1/admin/orders/${a.orderDigest}`), t.operator);
    expect(view.json.settlements).toMatchObject([{ path: "host" }]);
  });

  it("rejects digests this broker never registered, and another vendor's", async () => {
    const unregistered = await committed(["delivery", "order"]);
    const other = makePlayer("broker");
    await post(
      url("/v1/admin/add-broker"),
      { publicKey: other.publicKey, name: "O", endpoint: "http://127.0.0.1:9/" },
      t.operator,
    );
    const theirs = await committed();
    const reply = await post(
      url("/v1/register-settlement"),
      await envelope(other, "RegisterSettlement", {
        statement: await statementOf(other, t.vendor.id, [unregistered.orderDigest, theirs.orderDigest]),
      }),
    );
    expect(reply.json.recorded).toEqual([]);
    expect(reply.json.rejected.map((r: { code: string }) => r.code)).toEqual([
      "not_registered",
      "not_registered",
    ]);
    const wrongVendor = await post(
      url("/v1/register-settlement"),
      await envelope(t.broker, "RegisterSettlement", {
        statement: await statementOf(t.broker, makePlayer("vendor").id, [theirs.orderDigest]),
      }),
    );
    expect(wrongVendor.json.rejected).toMatchObject([{ orderDigest: theirs.orderDigest, code: "mismatch" }]);
    expect((await settleWithHost(theirs.orderDigest)).json.results[0].status).toBe("approved");
  });

  it("refuses a forged statement, a bad root and another broker's statement, changing nothing", async () => {
    const a = await committed();
    const forged = await statementOf(t.broker, t.vendor.id, [a.orderDigest]);
    forged.sig = (await statementOf(makePlayer("broker"), t.vendor.id, [a.orderDigest])).sig;
    const r1 = await post(
      url("/v1/register-settlement"),
      await envelope(t.broker, "RegisterSettlement", { statement: forged }),
    );
    expect(r1).toMatchObject({ status: 401, json: { error: { code: "bad_signature" } } });

    const rooted = await statementOf(t.broker, t.vendor.id, [a.orderDigest]);
    rooted.statement.acceptedRoot = settlementRoot([]);
    rooted.sig = await signObject(t.broker.privateKey, rooted.statement);
    const r2 = await post(
      url("/v1/register-settlement"),
      await envelope(t.broker, "RegisterSettlement", { statement: rooted }),
    );
    expect(r2).toMatchObject({ status: 422, json: { error: { code: "mismatch" } } });

    const other = makePlayer("broker");
    await post(
      url("/v1/admin/add-broker"),
      { publicKey: other.publicKey, name: "O2", endpoint: "http://127.0.0.1:9/" },
      t.operator,
    );
    const r3 = await post(
      url("/v1/register-settlement"),
      await envelope(other, "RegisterSettlement", {
        statement: await statementOf(t.broker, t.vendor.id, [a.orderDigest]),
      }),
    );
    expect(r3).toMatchObject({ status: 403, json: { error: { code: "forbidden" } } });
    const r4 = await post(
      url("/v1/register-settlement"),
      await envelope(t.vendor, "RegisterSettlement", {
        statement: await statementOf(t.broker, t.vendor.id, [a.orderDigest]),
      }),
    );
    expect(r4).toMatchObject({ status: 403, json: { error: { code: "forbidden" } } });
    expect((await get(url(`/v1/admin/orders/${a.orderDigest}`), t.operator)).json.settlements).toEqual([]);
  });

  it("settles an order exactly once when Register Settlement and Settle With Host race", async () => {
    for (let i = 0; i < 5; i++) {
      const o = await committed();
      const [byBroker, byHost] = await Promise.all([
        post(
          url("/v1/register-settlement"),
          await envelope(t.broker, "RegisterSettlement", {
            statement: await statementOf(t.broker, t.vendor.id, [o.orderDigest]),
          }),
        ),
        settleWithHost(o.orderDigest),
      ]);
      const brokerWon = byBroker.json.recorded.length === 1;
      const hostWon = byHost.json.results[0].status === "approved";
      expect(brokerWon !== hostWon).toBe(true);
      if (hostWon) expect(byBroker.json.alreadySettled).toEqual([o.orderDigest]);
      else expect(byHost.json.results[0].code).toBe("already_settled");
    }
  });
});

async function fetchApprovals(): Promise<string[]> {
  const reply = await post(url("/v1/fetch-messages"), await envelope(t.broker, "FetchMessages", {}));
  return reply.json.messages
    .filter((m: { kind: string }) => m.kind === "SettlementApproval")
    .map((m: { body: { approval: { orderDigest: string } } }) => m.body.approval.orderDigest);
}

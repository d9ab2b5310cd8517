/**
 * The whole host on PostgreSQL (`startHost({ databaseUrl })`): every protocol once, end to end over
 * HTTP, and the operator CLI on the same database — the same behaviour as on SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../cli";
import { startTestCluster, type TestCluster } from "../store/postgres/test-cluster";
import { endorsed, envelope, get, post, startTestHost } from "../test-kit";

let cluster: TestCluster;
let t: Awaited<ReturnType<typeof startTestHost>>;
beforeAll(async () => {
  cluster = await startTestCluster();
  t = await startTestHost({ databaseUrl: cluster.url });
}, 120_000);
afterAll(async () => {
  await t?.host.close();
  await cluster?.stop();
}, 120_000);
const url = (path: string) => `${t.host.url}${path}`;

describe("host on PostgreSQL", () => {
  it("registers, settles by majority, revokes and delivers mail", async () => {
    expect((await get(url("/v1/health"))).json).toMatchObject({ status: "ok", store: "postgres" });
    const a = await endorsed(t.broker, t.vendor.id);
    const b = await endorsed(t.broker, t.vendor.id, "3.00");
    const commits = await post(
      url("/v1/register-commit-batch"),
      await envelope(t.broker, "RegisterCommitBatch", { endorsements: [a.endorsement, b.endorsement] }),
    );
    expect(commits.json.registered).toHaveLength(2);
    const delivery = await envelope(t.vendor, "RegisterDelivery", a.facts);
    const first = await post(url("/v1/register-delivery"), delivery);
    expect(first.json).toMatchObject({ side: "delivery", flagged: false });
    expect((await post(url("/v1/register-delivery"), delivery)).json).toEqual(first.json);
    const wrong = await post(
      url("/v1/register-order"),
      await envelope(t.wallet, "RegisterOrder", { ...b.facts, amount: { currency: "USD", value: "0.30" } }),
    );
    expect(wrong.json.flagged).toBe(true);
    expect((await get(url(`/v1/orders/${a.orderDigest}`))).json).toMatchObject({
      agree: true,
      flagged: false,
    });

    const settled = await post(
      url("/v1/settle-with-host"),
      await envelope(t.vendor, "SettleWithHost", {
        orders: [{ orderDigest: a.orderDigest }, { orderDigest: b.orderDigest }],
      }),
    );
    expect(settled.json.results.map((r: { status: string; code?: string }) => r.code ?? r.status)).toEqual([
      "approved",
      "mismatch",
    ]);
    const revoke = await post(
      url("/v1/register-revoke"),
      await envelope(t.broker, "RegisterRevoke", b.facts),
    );
    expect(revoke.status).toBe(200);
    const vendorMail = await post(url("/v1/fetch-messages"), await envelope(t.vendor, "FetchMessages", {}));
    expect(vendorMail.json.messages.map((m: { kind: string }) => m.kind)).toEqual(["RevokeAlert"]);
    const brokerMail = await post(url("/v1/fetch-messages"), await envelope(t.broker, "FetchMessages", {}));
    expect(brokerMail.json.messages.map((m: { kind: string }) => m.kind)).toEqual(["SettlementApproval"]);
    const memo = await post(
      url("/v1/post-message"),
      await envelope(t.vendor, "PostMessage", { to: { walletOfOrder: b.orderDigest }, text: "sorry" }),
    );
    expect(memo.status).toBe(200);
    const walletMail = await post(url("/v1/fetch-messages"), await envelope(t.wallet, "FetchMessages", {}));
    expect(walletMail.json.messages.map((m: { kind: string }) => m.kind)).toEqual(["RefundNotice", "Memo"]);
  });

  it("lets the operator CLI read and change the same database", async () => {
    const out: string[] = [];
    const io = {
      out: (l: string) => out.push(l),
      err: (l: string) => out.push(l),
      env: { DATABASE_URL: cluster.url },
    };
    expect(await main(["list-vendors"], io)).toBe(0);
    expect(out.join("\n")).toContain(t.vendor.id);
    expect(await main(["suspend-broker", t.broker.id], io)).toBe(0);
    expect((await get(url(`/v1/directory/${t.broker.id}`))).json.status).toBe("suspended");
    expect(await main(["settlement-report"], io)).toBe(0);
    expect(out.at(-1)).toBe(`${t.broker.id}\t${t.vendor.id}\tUSD\t1\t0.01`);
  });
});

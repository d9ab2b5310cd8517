/** Register Commit / Delivery / Order (single and batched) and the order status, over real HTTP. */
import { newId, sha256Hex } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endorsed, envelope, get, makePlayer, post, registerVendorAt, startTestHost } from "../test-kit";

let t: Awaited<ReturnType<typeof startTestHost>>;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(async () => t.host.close());

const url = (path: string) => `${t.host.url}${path}`;

describe("three registrations of one order", () => {
  it("records commit, delivery and order; the status shows them side by side, agreeing", async () => {
    const { orderDigest, endorsement, facts } = await endorsed(t.broker, t.vendor.id);
    const c = await post(
      url("/v1/register-commit"),
      await envelope(t.broker, "RegisterCommit", { endorsement }),
    );
    expect(c).toMatchObject({ status: 200, json: { orderDigest, side: "commit", flagged: false } });
    const d = await post(url("/v1/register-delivery"), await envelope(t.vendor, "RegisterDelivery", facts));
    expect(d.json).toMatchObject({ side: "delivery", flagged: false });
    const o = await post(url("/v1/register-order"), await envelope(t.wallet, "RegisterOrder", facts));
    expect(o.json).toMatchObject({ side: "order", flagged: false });
    const status = await get(url(`/v1/orders/${orderDigest}`));
    expect(status.headers.get("cache-control")).toBe("no-store");
    expect(status.json).toMatchObject({
      orderDigest,
      agree: true,
      flagged: false,
      commit: { from: t.broker.id, commitId: facts.commitId, amount: { currency: "USD", value: "0.01" } },
      delivery: { from: t.vendor.id },
      // The public view never says which wallet bought: a vendor could link one wallet's purchases.
      order: { from: null, commitId: facts.commitId },
    });
    expect(JSON.stringify(status.json)).not.toContain(t.wallet.id);
    const operatorView = await get(url(`/v1/orders/${orderDigest}`), {
      authorization: `Bearer ${t.host.operatorToken}`,
    });
    expect(operatorView.json.order.from).toBe(t.wallet.id);
  });

  it("shows an unknown digest with no registrations", async () => {
    const digest = sha256Hex(newId());
    expect((await get(url(`/v1/orders/${digest}`))).json).toEqual({
      orderDigest: digest,
      commit: null,
      delivery: null,
      order: null,
      agree: true,
      flagged: false,
    });
    expect((await get(url("/v1/orders/not-a-digest"))).json.error.code).toBe("invalid_request");
  });

  it("stores and flags a disagreeing registration without overwriting the first", async () => {
    const { orderDigest, facts } = await endorsed(t.broker, t.vendor.id);
    await post(url("/v1/register-delivery"), await envelope(t.vendor, "RegisterDelivery", facts));
    const wrong = { ...facts, amount: { currency: "USD", value: "5.00" } };
    const o = await post(url("/v1/register-order"), await envelope(t.wallet, "RegisterOrder", wrong));
    expect(o.json).toMatchObject({ side: "order", flagged: true });
    const status = (await get(url(`/v1/orders/${orderDigest}`))).json;
    expect(status).toMatchObject({ agree: false, flagged: true });
    expect(status.delivery.amount.value).toBe("0.01");
    expect(status.order.amount.value).toBe("5.00");
  });

  it("is idempotent per (from, id) and answers conflict for the same id with another body", async () => {
    const { orderDigest, facts } = await endorsed(t.broker, t.vendor.id);
    const env = await envelope(t.wallet, "RegisterOrder", facts);
    const first = await post(url("/v1/register-order"), env);
    const resent = await envelope(t.wallet, "RegisterOrder", facts, { id: env.id });
    const again = await post(url("/v1/register-order"), resent);
    expect(again.json).toEqual(first.json);
    const other = await envelope(
      t.wallet,
      "RegisterOrder",
      { ...facts, commitId: `c_${newId()}` },
      { id: env.id },
    );
    expect(await post(url("/v1/register-order"), other)).toMatchObject({
      status: 409,
      json: { error: { code: "conflict" } },
    });
    const status = (await get(url(`/v1/orders/${orderDigest}`))).json;
    expect(status.order.commitId).toBe(facts.commitId);
    expect(status.flagged).toBe(false);
  });
});

describe("refusals change nothing", () => {
  it("refuses a commit whose endorsement another broker signed, or that names another broker", async () => {
    const stranger = makePlayer("broker");
    const forged = await endorsed(stranger, t.vendor.id);
    const reply = await post(
      url("/v1/register-commit"),
      await envelope(t.broker, "RegisterCommit", { endorsement: { ...forged.endorsement } }),
    );
    expect(reply).toMatchObject({ status: 403, json: { error: { code: "forbidden" } } });
    const mine = await endorsed(t.broker, t.vendor.id);
    const tampered = {
      ...mine.endorsement,
      endorsement: { ...mine.endorsement.endorsement, amount: { currency: "USD", value: "9.99" } },
    };
    const bad = await post(
      url("/v1/register-commit"),
      await envelope(t.broker, "RegisterCommit", { endorsement: tampered }),
    );
    expect(bad).toMatchObject({ status: 401, json: { error: { code: "bad_signature" } } });
    expect((await get(url(`/v1/orders/${mine.orderDigest}`))).json.commit).toBeNull();
  });

  it("refuses unknown players, the wrong kind of player, and a vendor registering another's delivery", async () => {
    const { orderDigest, facts } = await endorsed(t.broker, t.vendor.id);
    const nobody = makePlayer("wallet");
    expect(
      await post(url("/v1/register-order"), await envelope(nobody, "RegisterOrder", facts)),
    ).toMatchObject({
      status: 404,
      json: { error: { code: "unknown_player" } },
    });
    expect(
      (await post(url("/v1/register-order"), await envelope(t.vendor, "RegisterOrder", facts))).json.error
        .code,
    ).toBe("forbidden");
    const other = makePlayer("vendor");
    expect((await registerVendorAt(t.host.url, other, { name: "Other" })).status).toBe(200);
    expect(
      (await post(url("/v1/register-delivery"), await envelope(other, "RegisterDelivery", facts))).json.error
        .code,
    ).toBe("forbidden");
    const stale = await envelope(t.wallet, "RegisterOrder", facts, { at: new Date(Date.now() + 3_600_000) });
    expect((await post(url("/v1/register-order"), stale)).json.error.code).toBe("stale_message");
    const badSig = { ...(await envelope(t.wallet, "RegisterOrder", facts)), sig: "A".repeat(86) };
    expect((await post(url("/v1/register-order"), badSig)).json.error.code).toBe("bad_signature");
    const badMoney = await envelope(t.wallet, "RegisterOrder", {
      ...facts,
      amount: { currency: "USD", value: 0.01 },
    });
    expect((await post(url("/v1/register-order"), badMoney)).json.error.code).toBe("invalid_request");
    const status = (await get(url(`/v1/orders/${orderDigest}`))).json;
    expect([status.commit, status.delivery, status.order]).toEqual([null, null, null]);
  });

  it("refuses messages from a suspended broker", async () => {
    const broker = makePlayer("broker");
    await post(
      url("/v1/admin/add-broker"),
      { publicKey: broker.publicKey, name: "B", endpoint: "http://127.0.0.1:9/" },
      t.operator,
    );
    await post(url("/v1/admin/set-player-status"), { playerId: broker.id, status: "suspended" }, t.operator);
    const { endorsement, orderDigest } = await endorsed(broker, t.vendor.id);
    expect(
      await post(url("/v1/register-commit"), await envelope(broker, "RegisterCommit", { endorsement })),
    ).toMatchObject({
      status: 403,
      json: { error: { code: "suspended" } },
    });
    expect((await get(url(`/v1/orders/${orderDigest}`))).json.commit).toBeNull();
  });
});

describe("batched registrations (one signature, many orders)", () => {
  it("records a commit batch and a delivery batch, each signed once", async () => {
    const orders = await Promise.all(Array.from({ length: 20 }, () => endorsed(t.broker, t.vendor.id)));
    const commits = await post(
      url("/v1/register-commit-batch"),
      await envelope(t.broker, "RegisterCommitBatch", { endorsements: orders.map((o) => o.endorsement) }),
    );
    expect(commits.status).toBe(200);
    expect(commits.json.registered.map((r: { orderDigest: string }) => r.orderDigest)).toEqual(
      orders.map((o) => o.orderDigest),
    );
    const deliveries = await post(
      url("/v1/register-delivery-batch"),
      await envelope(t.vendor, "RegisterDeliveryBatch", { deliveries: orders.map((o) => o.facts) }),
    );
    expect(deliveries.json.registered).toHaveLength(20);
    const walletBatch = await post(
      url("/v1/register-order-batch"),
      await envelope(t.wallet, "RegisterOrderBatch", { orders: orders.slice(0, 2).map((o) => o.facts) }),
    );
    expect(walletBatch.json.registered).toHaveLength(2);
    const status = (await get(url(`/v1/orders/${orders[7]!.orderDigest}`))).json;
    expect(status).toMatchObject({
      agree: true,
      commit: { from: t.broker.id },
      delivery: { from: t.vendor.id },
    });
  });

  it("refuses a whole batch when one endorsement is forged, naming the entry", async () => {
    const good = await endorsed(t.broker, t.vendor.id);
    const bad = await endorsed(t.broker, t.vendor.id);
    bad.endorsement.sig = good.endorsement.sig;
    const reply = await post(
      url("/v1/register-commit-batch"),
      await envelope(t.broker, "RegisterCommitBatch", { endorsements: [good.endorsement, bad.endorsement] }),
    );
    expect(reply).toMatchObject({
      status: 401,
      json: { error: { code: "bad_signature", details: { index: 1 } } },
    });
    expect((await get(url(`/v1/orders/${good.orderDigest}`))).json.commit).toBeNull();
    const empty = await post(
      url("/v1/register-delivery-batch"),
      await envelope(t.vendor, "RegisterDeliveryBatch", { deliveries: [] }),
    );
    expect(empty.json.error.code).toBe("invalid_request");
  });
});

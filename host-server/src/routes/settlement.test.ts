/** Settle With Host by majority vote, and Register Revoke with its alerts, over real HTTP. */
import {
  canonicalBytes,
  mailBodies,
  newPayerSalt,
  payerTag,
  signEndorsement,
  verify,
} from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endorsed, envelope, get, makePlayer, post, registerVendorAt, startTestHost } from "../test-kit";

let t: Awaited<ReturnType<typeof startTestHost>>;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(async () => t.host.close());
const url = (path: string) => `${t.host.url}${path}`;

async function fetchMail(player: typeof t.wallet, cursor?: string) {
  const reply = await post(
    url("/v1/fetch-messages"),
    await envelope(player, "FetchMessages", cursor ? { cursor } : {}),
  );
  expect(reply.status).toBe(200);
  return reply.json as {
    // biome-ignore lint/suspicious/noExplicitAny: mail bodies are read field by field below
    messages: { kind: string; body: any; cursor: string; from: string }[];
    cursor: string | null;
  };
}

async function registerSides(
  o: Awaited<ReturnType<typeof endorsed>> & { payerSalt?: string },
  sides: ("commit" | "delivery" | "order")[],
) {
  for (const side of sides) {
    const reply =
      side === "commit"
        ? await post(
            url("/v1/register-commit"),
            await envelope(t.broker, "RegisterCommit", { endorsement: o.endorsement }),
          )
        : side === "delivery"
          ? await post(url("/v1/register-delivery"), await envelope(t.vendor, "RegisterDelivery", o.facts))
          : await post(
              url("/v1/register-order"),
              await envelope(t.wallet, "RegisterOrder", {
                ...o.facts,
                ...(o.payerSalt ? { payerSalt: o.payerSalt } : {}),
              }),
            );
    expect(reply.status).toBe(200);
  }
}

describe("Settle With Host", () => {
  it("approves by majority vote with a host-signed approval posted to the broker, once", async () => {
    const a = await endorsed(t.broker, t.vendor.id);
    // The wallet's side counts when it opens the endorsement's payer tag (the salt it gave the broker).
    const payerSalt = newPayerSalt();
    const plain = await endorsed(t.broker, t.vendor.id);
    const tagged = { ...plain.endorsement.endorsement, payerTag: payerTag(t.wallet.id, payerSalt) };
    const b = { ...plain, payerSalt, endorsement: await signEndorsement(t.broker.privateKey, tagged) };
    await registerSides(a, ["commit", "delivery"]);
    await registerSides(b, ["delivery", "order"]); // the broker never registered b: the vendor presents it
    const env = await envelope(t.vendor, "SettleWithHost", {
      orders: [{ orderDigest: a.orderDigest }, { orderDigest: b.orderDigest, endorsement: b.endorsement }],
    });
    const reply = await post(url("/v1/settle-with-host"), env);
    expect(reply.status).toBe(200);
    expect(reply.json.results.map((r: { status: string }) => r.status)).toEqual(["approved", "approved"]);
    const approval = reply.json.results[0].approval;
    expect(approval.approval).toMatchObject({
      hostId: t.host.hostId,
      orderDigest: a.orderDigest,
      vendorId: t.vendor.id,
      brokerId: t.broker.id,
      amount: { currency: "USD", value: "0.01" },
    });
    const hostKey = (await get(url("/v1/host"))).json.publicKey;
    expect(await verify(hostKey, canonicalBytes(approval.approval), approval.sig)).toBe(true);

    expect((await post(url("/v1/settle-with-host"), env)).json).toEqual(reply.json);
    const again = await post(
      url("/v1/settle-with-host"),
      await envelope(t.vendor, "SettleWithHost", { orders: [{ orderDigest: a.orderDigest }] }),
    );
    expect(again.json.results[0]).toMatchObject({ status: "rejected", code: "already_settled" });

    const mail = await fetchMail(t.broker);
    const approvals = mail.messages.filter((m) => m.kind === "SettlementApproval");
    expect(approvals.map((m) => m.body.approval.orderDigest).sort()).toEqual(
      [a.orderDigest, b.orderDigest].sort(),
    );
    for (const m of approvals) expect(() => mailBodies.SettlementApproval.parse(m.body)).not.toThrow();
  });

  it("rejects without a majority, without an endorsement, with a forged one, and for another vendor", async () => {
    const lonely = await endorsed(t.broker, t.vendor.id);
    await registerSides(lonely, ["commit"]);
    const unendorsed = await endorsed(t.broker, t.vendor.id);
    await registerSides(unendorsed, ["delivery", "order"]);
    const forged = await endorsed(makePlayer("broker"), t.vendor.id);
    const reply = await post(
      url("/v1/settle-with-host"),
      await envelope(t.vendor, "SettleWithHost", {
        orders: [
          { orderDigest: lonely.orderDigest },
          { orderDigest: unendorsed.orderDigest },
          { orderDigest: forged.orderDigest, endorsement: forged.endorsement },
        ],
      }),
    );
    expect(reply.json.results.map((r: { code: string }) => r.code)).toEqual([
      "mismatch",
      "not_registered",
      "bad_signature",
    ]);

    const theirs = await endorsed(t.broker, t.vendor.id);
    await registerSides(theirs, ["commit", "delivery"]);
    const other = makePlayer("vendor");
    expect((await registerVendorAt(t.host.url, other, { name: "Other" })).status).toBe(200);
    const stolen = await post(
      url("/v1/settle-with-host"),
      await envelope(other, "SettleWithHost", { orders: [{ orderDigest: theirs.orderDigest }] }),
    );
    expect(stolen.json.results[0]).toMatchObject({ status: "rejected", code: "forbidden" });
    const dup = await post(
      url("/v1/settle-with-host"),
      await envelope(t.vendor, "SettleWithHost", {
        orders: [{ orderDigest: theirs.orderDigest }, { orderDigest: theirs.orderDigest }],
      }),
    );
    expect(dup).toMatchObject({ status: 400, json: { error: { code: "invalid_request" } } });
  });

  it("settles an order at most once when many settle requests race", async () => {
    const o = await endorsed(t.broker, t.vendor.id);
    await registerSides(o, ["commit", "delivery", "order"]);
    const replies = await Promise.all(
      Array.from({ length: 5 }, async () =>
        post(
          url("/v1/settle-with-host"),
          await envelope(t.vendor, "SettleWithHost", { orders: [{ orderDigest: o.orderDigest }] }),
        ),
      ),
    );
    const statuses = replies.map((r) => r.json.results[0].status);
    expect(statuses.filter((s) => s === "approved")).toHaveLength(1);
  });
});

describe("Register Revoke", () => {
  it("records the revoke, alerts the vendor, notifies the wallet, and blocks settlement", async () => {
    const o = await endorsed(t.broker, t.vendor.id, "25.00");
    await registerSides(o, ["commit", "delivery", "order"]);
    const before = await fetchMail(t.vendor);
    const walletBefore = await fetchMail(t.wallet);
    const revoke = await envelope(t.broker, "RegisterRevoke", { ...o.facts, reason: "returned goods" });
    const reply = await post(url("/v1/register-revoke"), revoke);
    expect(reply).toMatchObject({ status: 200, json: { orderDigest: o.orderDigest } });
    expect((await post(url("/v1/register-revoke"), revoke)).json).toEqual(reply.json);
    const again = await post(url("/v1/register-revoke"), await envelope(t.broker, "RegisterRevoke", o.facts));
    expect(again).toMatchObject({ status: 409, json: { error: { code: "revoked" } } });

    const alerts = await fetchMail(t.vendor, before.cursor ?? undefined);
    expect(alerts.messages).toHaveLength(1);
    expect(alerts.messages[0]).toMatchObject({
      kind: "RevokeAlert",
      from: t.broker.id,
      body: {
        orderDigest: o.orderDigest,
        brokerId: t.broker.id,
        amount: { value: "25.00" },
        reason: "returned goods",
      },
    });
    expect(() => mailBodies.RevokeAlert.parse(alerts.messages[0]!.body)).not.toThrow();
    const notices = await fetchMail(t.wallet, walletBefore.cursor ?? undefined);
    expect(notices.messages.map((m) => m.kind)).toEqual(["RefundNotice"]);

    const settle = await post(
      url("/v1/settle-with-host"),
      await envelope(t.vendor, "SettleWithHost", { orders: [{ orderDigest: o.orderDigest }] }),
    );
    expect(settle.json.results[0]).toMatchObject({ status: "rejected", code: "revoked" });
  });

  it("keeps a revoke from a broker that did not endorse the order as its own; refuses a vendor's", async () => {
    const o = await endorsed(t.broker, t.vendor.id);
    await registerSides(o, ["commit"]);
    const other = makePlayer("broker");
    await post(
      url("/v1/admin/add-broker"),
      { publicKey: other.publicKey, name: "O", endpoint: "http://127.0.0.1:9/" },
      t.operator,
    );
    // Recorded as the other broker's (the vendor is alerted), it does not revoke this broker's order.
    expect(
      (await post(url("/v1/register-revoke"), await envelope(other, "RegisterRevoke", o.facts))).status,
    ).toBe(200);
    expect(
      (await post(url("/v1/register-revoke"), await envelope(t.vendor, "RegisterRevoke", o.facts))).json.error
        .code,
    ).toBe("forbidden");
    const view = await get(url(`/v1/admin/orders/${o.orderDigest}`), t.operator);
    expect(view.json.revokes.map((r: { brokerId: string }) => r.brokerId)).toEqual([other.id]);
    await registerSides(o, ["delivery"]);
    const settle = await post(
      url("/v1/settle-with-host"),
      await envelope(t.vendor, "SettleWithHost", { orders: [{ orderDigest: o.orderDigest }] }),
    );
    expect(settle.json.results[0]).toMatchObject({ status: "approved" });
  });
});

/** Post Message and Fetch Messages by cursor, including "the wallet that registered order D". */
import { newId, sha256Hex } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endorsed, envelope, makePlayer, post, startTestHost } from "../test-kit";

let t: Awaited<ReturnType<typeof startTestHost>>;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(async () => t.host.close());
const url = (path: string) => `${t.host.url}${path}`;

describe("mailbox", () => {
  it("posts to a player and to the wallet of an order without naming it; fetches by cursor", async () => {
    const o = await endorsed(t.broker, t.vendor.id);
    await post(url("/v1/register-order"), await envelope(t.wallet, "RegisterOrder", o.facts));
    const direct = await envelope(t.vendor, "PostMessage", { to: { playerId: t.wallet.id }, text: "hello" });
    const first = await post(url("/v1/post-message"), direct);
    expect(first.status).toBe(200);
    expect(Object.keys(first.json)).toEqual(["postedAt"]);
    expect((await post(url("/v1/post-message"), direct)).json).toEqual(first.json);
    const viaOrder = await post(
      url("/v1/post-message"),
      await envelope(t.vendor, "PostMessage", {
        to: { walletOfOrder: o.orderDigest },
        text: "thanks for your order",
        orderDigest: o.orderDigest,
      }),
    );
    expect(viaOrder.status).toBe(200);
    expect(JSON.stringify(viaOrder.json)).not.toContain(t.wallet.id);

    const page1 = await post(
      url("/v1/fetch-messages"),
      await envelope(t.wallet, "FetchMessages", { limit: 1 }),
    );
    expect(page1.json.messages.map((m: { body: { text: string } }) => m.body.text)).toEqual(["hello"]);
    expect(page1.json.messages[0]).toMatchObject({ from: t.vendor.id, kind: "Memo" });
    const page2 = await post(
      url("/v1/fetch-messages"),
      await envelope(t.wallet, "FetchMessages", { cursor: page1.json.cursor }),
    );
    expect(page2.json.messages.map((m: { body: { text: string } }) => m.body.text)).toEqual([
      "thanks for your order",
    ]);
    const page3 = await post(
      url("/v1/fetch-messages"),
      await envelope(t.wallet, "FetchMessages", { cursor: page2.json.cursor }),
    );
    expect(page3.json).toEqual({ messages: [], cursor: page2.json.cursor });
  });

  it("refuses an order no wallet registered, an unknown recipient, a reused id, and strangers", async () => {
    const post1 = await post(
      url("/v1/post-message"),
      await envelope(t.vendor, "PostMessage", { to: { walletOfOrder: sha256Hex(newId()) }, text: "hi" }),
    );
    expect(post1).toMatchObject({ status: 403, json: { error: { code: "not_registered" } } });
    const post2 = await post(
      url("/v1/post-message"),
      await envelope(t.vendor, "PostMessage", { to: { playerId: makePlayer("wallet").id }, text: "hi" }),
    );
    expect(post2).toMatchObject({ status: 404, json: { error: { code: "unknown_player" } } });
    const ok = await envelope(t.broker, "PostMessage", { to: { playerId: t.vendor.id }, text: "notice" });
    expect((await post(url("/v1/post-message"), ok)).status).toBe(200);
    const reused = await envelope(
      t.broker,
      "PostMessage",
      { to: { playerId: t.vendor.id }, text: "other" },
      { id: ok.id },
    );
    expect((await post(url("/v1/post-message"), reused)).json.error.code).toBe("conflict");
    const stranger = makePlayer("wallet");
    const fetch = await post(url("/v1/fetch-messages"), await envelope(stranger, "FetchMessages", {}));
    expect(fetch.json.error.code).toBe("unknown_player");
    const vendorMail = await post(url("/v1/fetch-messages"), await envelope(t.vendor, "FetchMessages", {}));
    expect(vendorMail.json.messages.map((m: { body: { text: string } }) => m.body.text)).toEqual(["notice"]);
    const badCursor = await post(
      url("/v1/fetch-messages"),
      await envelope(t.vendor, "FetchMessages", { cursor: "x" }),
    );
    expect(badCursor.json.error.code).toBe("invalid_request");
  });
});

/** Register Wallet / Vendor, Add Broker, Set Player Status and the directory, over real HTTP. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envelope, get, makePlayer, post, startTestHost } from "../test-kit";

let t: Awaited<ReturnType<typeof startTestHost>>;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(async () => t.host.close());

describe("Register Wallet", () => {
  it("derives the wallet id from the key and is idempotent on the message id", async () => {
    const wallet = makePlayer("wallet");
    const env = await envelope(wallet, "RegisterWallet", { publicKey: wallet.publicKey });
    const first = await post(`${t.host.url}/v1/register-wallet`, env);
    expect(first).toMatchObject({ status: 200, json: { walletId: wallet.id } });
    expect((await post(`${t.host.url}/v1/register-wallet`, env)).json).toEqual({ walletId: wallet.id });
    const entry = await get(`${t.host.url}/v1/directory/${wallet.id}`);
    expect(entry.json).toMatchObject({
      id: wallet.id,
      kind: "wallet",
      publicKey: wallet.publicKey,
      status: "active",
    });
    expect(entry.headers.get("cache-control")).toBe("public, max-age=60");
  });

  it("refuses a from that is not the key's wallet id, a foreign signature, and a stale message", async () => {
    const wallet = makePlayer("wallet");
    const other = makePlayer("wallet");
    const wrongFrom = await envelope(other, "RegisterWallet", { publicKey: wallet.publicKey });
    expect(await post(`${t.host.url}/v1/register-wallet`, wrongFrom)).toMatchObject({
      status: 403,
      json: { error: { code: "forbidden" } },
    });
    const forged = {
      ...(await envelope(other, "RegisterWallet", { publicKey: wallet.publicKey })),
      from: wallet.id,
    };
    expect(await post(`${t.host.url}/v1/register-wallet`, forged)).toMatchObject({
      status: 401,
      json: { error: { code: "bad_signature" } },
    });
    const stale = await envelope(
      wallet,
      "RegisterWallet",
      { publicKey: wallet.publicKey },
      {
        at: new Date(Date.now() - 3_600_000),
      },
    );
    expect(await post(`${t.host.url}/v1/register-wallet`, stale)).toMatchObject({
      status: 400,
      json: { error: { code: "stale_message" } },
    });
    expect((await get(`${t.host.url}/v1/directory/${wallet.id}`)).status).toBe(404);
  });

  it("answers bad JSON, schema violations and a wrong type with invalid_request", async () => {
    const wallet = makePlayer("wallet");
    expect(await post(`${t.host.url}/v1/register-wallet`, "{not json")).toMatchObject({
      status: 400,
      json: { error: { code: "invalid_request" } },
    });
    const env = await envelope(wallet, "RegisterWallet", { publicKey: "short" });
    expect(await post(`${t.host.url}/v1/register-wallet`, env)).toMatchObject({
      status: 400,
      json: { error: { code: "invalid_request" } },
    });
    const wrongType = await envelope(wallet, "RegisterVendor", { publicKey: wallet.publicKey });
    expect((await post(`${t.host.url}/v1/register-wallet`, wrongType)).json.error.code).toBe(
      "invalid_request",
    );
    expect((await post(`${t.host.url}/v1/register-wallet`, [])).json.error.code).toBe("invalid_request");
  });

  it("answers the same id with a different body with conflict", async () => {
    const wallet = makePlayer("wallet");
    const env = await envelope(wallet, "RegisterWallet", { publicKey: wallet.publicKey });
    expect((await post(`${t.host.url}/v1/register-wallet`, env)).status).toBe(200);
    const other = makePlayer("vendor");
    const reused = await envelope(
      wallet,
      "RegisterVendor",
      {
        publicKey: wallet.publicKey,
        name: "x",
        origins: ["http://reuse.test"],
        endpoint: "http://127.0.0.1:9/",
      },
      { id: env.id },
    );
    // RegisterVendor with a wallet key derives a v_ id, so from (w_) is refused before idempotency.
    expect((await post(`${t.host.url}/v1/register-vendor`, reused)).json.error.code).toBe("forbidden");
    expect(other.id).toMatch(/^v_/);
  });
});

describe("Register Vendor and the directory by origin", () => {
  it("finds the vendor by its shop origin, with cache headers; unknown origin is unknown_player", async () => {
    const found = await get(`${t.host.url}/v1/directory?origin=${encodeURIComponent(t.origin)}`);
    expect(found).toMatchObject({
      status: 200,
      json: { id: t.vendor.id, kind: "vendor", origins: [t.origin] },
    });
    expect(found.headers.get("cache-control")).toBe("public, max-age=60");
    const missing = await get(`${t.host.url}/v1/directory?origin=${encodeURIComponent("http://none.test")}`);
    expect(missing).toMatchObject({ status: 404, json: { error: { code: "unknown_player" } } });
    expect(missing.headers.get("cache-control")).toBe("no-store");
    expect((await get(`${t.host.url}/v1/directory`)).json.error.code).toBe("invalid_request");
  });

  it("refuses another vendor claiming a registered origin: the origin does not list its key", async () => {
    const thief = makePlayer("vendor");
    const env = await envelope(thief, "RegisterVendor", {
      publicKey: thief.publicKey,
      name: "Thief",
      origins: [t.origin],
      endpoint: `${t.origin}/x`,
    });
    expect(await post(`${t.host.url}/v1/register-vendor`, env)).toMatchObject({
      status: 403,
      json: { error: { code: "origin_not_proven", details: { origin: t.origin, reason: "key_not_listed" } } },
    });
    expect((await get(`${t.host.url}/v1/directory/${thief.id}`)).status).toBe(404);
  });
});

describe("Add Broker and Set Player Status (operator)", () => {
  it("needs the operator token", async () => {
    const broker = makePlayer("broker");
    const body = { publicKey: broker.publicKey, name: "Bank", endpoint: "http://127.0.0.1:9/" };
    expect(await post(`${t.host.url}/v1/admin/add-broker`, body)).toMatchObject({
      status: 401,
      json: { error: { code: "unauthorized" } },
    });
    expect(
      (await post(`${t.host.url}/v1/admin/add-broker`, body, { authorization: "Bearer wrong" })).status,
    ).toBe(401);
    expect((await get(`${t.host.url}/v1/directory/${broker.id}`)).status).toBe(404);
    const added = await post(`${t.host.url}/v1/admin/add-broker`, body, t.operator);
    expect(added).toMatchObject({ status: 200, json: { brokerId: broker.id } });
    expect((await get(`${t.host.url}/v1/directory/${broker.id}`)).json).toMatchObject({
      kind: "broker",
      name: "Bank",
      endpoint: "http://127.0.0.1:9/",
    });
  });

  it("suspends a broker, whose messages are then refused, and reactivates it", async () => {
    const broker = makePlayer("broker");
    await post(
      `${t.host.url}/v1/admin/add-broker`,
      { publicKey: broker.publicKey, name: "Bank", endpoint: "http://127.0.0.1:9/" },
      t.operator,
    );
    const suspend = await post(
      `${t.host.url}/v1/admin/set-player-status`,
      { playerId: broker.id, status: "suspended" },
      t.operator,
    );
    expect(suspend.json).toEqual({ playerId: broker.id, status: "suspended" });
    expect((await get(`${t.host.url}/v1/directory/${broker.id}`)).json.status).toBe("suspended");
    const unknown = await post(
      `${t.host.url}/v1/admin/set-player-status`,
      { playerId: makePlayer("broker").id, status: "suspended" },
      t.operator,
    );
    expect(unknown).toMatchObject({ status: 404, json: { error: { code: "unknown_player" } } });
  });

  it("serves its own key at /v1/host and answers unknown routes with not_found", async () => {
    const host = await get(`${t.host.url}/v1/host`);
    expect(host.json).toMatchObject({ id: t.host.hostId, kind: "host", status: "active" });
    expect((await get(`${t.host.url}/v1/directory/${t.host.hostId}`)).json).toEqual(host.json);
    expect(await get(`${t.host.url}/v1/nope`)).toMatchObject({
      status: 404,
      json: { error: { code: "not_found" } },
    });
  });
});

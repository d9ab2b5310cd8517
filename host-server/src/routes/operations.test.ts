/** Health, metrics, OpenAPI, the operator's dispute view, body-size limits and per-player rate limits. */
import { messages } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { servedBy } from "../app";
import { sqliteMigrations } from "../store/sqlite-schema";
import { endorsed, envelope, get, makePlayer, post, startTestHost } from "../test-kit";

let t: Awaited<ReturnType<typeof startTestHost>>;
beforeAll(async () => {
  t = await startTestHost({
    bodyLimit: 64 * 1024,
    rateLimit: { perSecond: 0.001, burst: 30 },
    registrationRateLimit: { perSecond: 0.001, burst: 5 },
  });
});
afterAll(async () => t.host.close());
const url = (path: string) => `${t.host.url}${path}`;

describe("operations", () => {
  it("reports health and metrics", async () => {
    const health = await get(url("/v1/health"));
    expect(health.json).toEqual({
      status: "ok",
      store: "sqlite",
      schemaVersion: sqliteMigrations.length,
      hostId: t.host.hostId,
    });
    const metrics = await get(url("/v1/metrics"));
    expect(metrics.json).toContain('quickpay_rows{table="vendors"} 1');
    expect(metrics.json).toMatch(/quickpay_group_commit_writes_total \d+/);
  });

  it("serves an OpenAPI document generated from the route schemas", async () => {
    const doc = (await get(url("/v1/openapi.json"))).json;
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/v1/register-commit",
      "/v1/register-commit-batch",
      "/v1/settle-with-host",
      "/v1/fetch-messages",
    ]) {
      expect(doc.paths[path]?.post, path).toBeDefined();
    }
    expect(doc.paths["/v1/directory/{playerId}"].get).toBeDefined();
    for (const type of Object.keys(servedBy) as (keyof typeof servedBy)[]) {
      expect(doc.paths[messages[type].path]?.post, type).toBeDefined();
    }
    expect(doc.paths["/v1/admin/add-broker"].post.security).toEqual([{ operator: [] }]);
    expect(doc.components.securitySchemes.operator).toEqual({ type: "http", scheme: "bearer" });
    const body = doc.paths["/v1/register-delivery"].post.requestBody.content["application/json"].schema;
    expect(JSON.stringify(body)).toContain("orderDigest");
  });

  it("shows an operator everything about an order, and nothing to anyone else", async () => {
    const o = await endorsed(t.broker, t.vendor.id);
    await post(
      url("/v1/register-commit"),
      await envelope(t.broker, "RegisterCommit", { endorsement: o.endorsement }),
    );
    await post(
      url("/v1/register-delivery"),
      await envelope(t.vendor, "RegisterDelivery", {
        ...o.facts,
        amount: { currency: "USD", value: "0.02" },
      }),
    );
    expect((await get(url(`/v1/admin/orders/${o.orderDigest}`))).json.error.code).toBe("unauthorized");
    const view = await get(url(`/v1/admin/orders/${o.orderDigest}`), t.operator);
    expect(view.status).toBe(200);
    expect(view.json.registrations).toHaveLength(2);
    expect(view.json.registrations[1]).toMatchObject({
      side: "delivery",
      flagged: true,
      amount: { value: "0.02" },
    });
    expect(view.json.status).toMatchObject({ agree: false, flagged: true });
    expect(view.json).toMatchObject({ revokes: [], settlements: [] });
    const players = await get(url("/v1/admin/players?kind=vendor"), t.operator);
    expect(players.json.players.map((p: { id: string }) => p.id)).toEqual([t.vendor.id]);
    expect((await get(url("/v1/admin/settlements"), t.operator)).json).toEqual({ settlements: [] });
  });

  it("refuses an oversized body with payload_too_large and changes nothing", async () => {
    const big = await envelope(t.wallet, "PostMessage", {
      to: { playerId: t.vendor.id },
      text: "x".repeat(4000),
    });
    const padded = JSON.stringify(big).replace('"text"', `"pad":"${"y".repeat(70 * 1024)}","text"`);
    expect(await post(url("/v1/post-message"), padded)).toMatchObject({
      status: 413,
      json: { error: { code: "payload_too_large" } },
    });
    const wrongType = await fetch(url("/v1/post-message"), {
      method: "POST",
      headers: { "content-type": "application/xml" },
      body: "<hi/>",
    });
    expect(wrongType.status).toBe(415);
    expect((await wrongType.json()).error.code).toBe("invalid_request");
  });

  it("rate-limits self-registrations per client IP, whatever the key", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const w = makePlayer("wallet");
      statuses.push(
        (
          await post(
            url("/v1/register-wallet"),
            await envelope(w, "RegisterWallet", { publicKey: w.publicKey }),
          )
        ).status,
      );
    }
    // The test host's own setup registered a wallet and a vendor: 3 more fit in the burst of 5.
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
  });

  it("rate-limits a player that sends too fast with rate_limited, leaving others alone", async () => {
    const send = async () => post(url("/v1/fetch-messages"), await envelope(t.wallet, "FetchMessages", {}));
    const codes: number[] = [];
    for (let i = 0; i < 40; i++) codes.push((await send()).status);
    expect(codes).toContain(429);
    const limited = await send();
    expect(limited.json.error.code).toBe("rate_limited");
    expect(
      (await post(url("/v1/fetch-messages"), await envelope(t.vendor, "FetchMessages", {}))).status,
    ).toBe(200);
  });
});

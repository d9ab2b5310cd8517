/**
 * Two hosts on one database (here two SQLite connections to one file; PostgreSQL's suite does the
 * same across processes): the same message sent to both is applied once, and both sign with one key.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost } from "../index";
import type { RunningHost } from "../start";
import { endorsed, envelope, get, post, startTestHost } from "../test-kit";

const dir = mkdtempSync(join(tmpdir(), "qp-scale-"));
let t: Awaited<ReturnType<typeof startTestHost>>;
let second: RunningHost;
beforeAll(async () => {
  const dbPath = join(dir, "shared.db");
  t = await startTestHost({ dbPath });
  second = await startHost({ dbPath });
});
afterAll(async () => {
  await second.close();
  await t.host.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("several hosts on one database", () => {
  it("share the directory and the host key", async () => {
    expect(second.hostId).toBe(t.host.hostId);
    expect((await get(`${second.url}/v1/directory/${t.vendor.id}`)).json.id).toBe(t.vendor.id);
  });

  it("apply a message sent to both exactly once and answer both alike", async () => {
    const o = await endorsed(t.broker, t.vendor.id);
    const env = await envelope(t.vendor, "RegisterDelivery", o.facts);
    const replies = await Promise.all(
      [t.host.url, second.url, t.host.url, second.url].map((u) => post(`${u}/v1/register-delivery`, env)),
    );
    expect(new Set(replies.map((r) => JSON.stringify(r.json))).size).toBe(1);
    const view = await get(`${second.url}/v1/admin/orders/${o.orderDigest}`, {
      authorization: `Bearer ${second.operatorToken}`,
    });
    expect(view.json.registrations).toHaveLength(1);
  });

  it("settle an order once when both are asked", async () => {
    const o = await endorsed(t.broker, t.vendor.id);
    await post(
      `${t.host.url}/v1/register-commit`,
      await envelope(t.broker, "RegisterCommit", { endorsement: o.endorsement }),
    );
    await post(`${second.url}/v1/register-delivery`, await envelope(t.vendor, "RegisterDelivery", o.facts));
    const replies = await Promise.all(
      [t.host.url, second.url].map(async (u) =>
        post(
          `${u}/v1/settle-with-host`,
          await envelope(t.vendor, "SettleWithHost", { orders: [{ orderDigest: o.orderDigest }] }),
        ),
      ),
    );
    const statuses = replies.map((r) => r.json.results[0].status).sort();
    expect(statuses).toEqual(["approved", "rejected"]);
  });
});

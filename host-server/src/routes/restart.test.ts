/** A host restarted on its file keeps its directory, registrations, idempotency records and key. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startHost } from "../index";
import { endorsed, envelope, get, post, startTestHost } from "../test-kit";

const dir = mkdtempSync(join(tmpdir(), "qp-restart-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("restart", () => {
  it("answers a resent message with the reply it gave before the restart", async () => {
    const dbPath = join(dir, "host.db");
    const t = await startTestHost({ dbPath });
    const o = await endorsed(t.broker, t.vendor.id);
    const env = await envelope(t.vendor, "RegisterDelivery", o.facts);
    const before = await post(`${t.host.url}/v1/register-delivery`, env);
    const hostId = t.host.hostId;
    await t.host.close();

    const again = await startHost({ dbPath });
    try {
      expect(again.hostId).toBe(hostId);
      expect((await get(`${again.url}/v1/directory/${t.vendor.id}`)).json.id).toBe(t.vendor.id);
      expect((await post(`${again.url}/v1/register-delivery`, env)).json).toEqual(before.json);
      const conflict = await envelope(
        t.vendor,
        "RegisterDelivery",
        { ...o.facts, commitId: "c_0123456789abcdefghij" },
        { id: env.id },
      );
      expect((await post(`${again.url}/v1/register-delivery`, conflict)).json.error.code).toBe("conflict");
      expect((await get(`${again.url}/v1/orders/${o.orderDigest}`)).json.delivery.messageId).toBe(env.id);
    } finally {
      await again.close();
    }
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { JsonLinesVendorStore } from "./file-store";
import type { DeliveryRecord, PendingRegistration } from "./store";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vendor-store-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function delivery(n: number): { record: DeliveryRecord; registration: PendingRegistration } {
  const commitId = `c_commitment-number-${String(n).padStart(4, "0")}`;
  const orderDigest = String(n % 10).repeat(64);
  const at = "2026-11-21T05:00:00.000Z";
  return {
    record: {
      commitId,
      orderDigest,
      requestDigest: "f".repeat(64),
      reply: {
        orderDigest,
        commitId,
        content: { mediaType: "text/plain", body: `body ${n}` },
        deliveredAt: at,
      },
    },
    registration: {
      messageId: `register-delivery-${n}-xxxxxxxx`,
      facts: {
        orderDigest,
        commitId,
        vendorId: `v_${"a".repeat(32)}`,
        amount: { currency: "USD", value: "0.01" },
      },
      queuedAt: at,
      attempts: 0,
      nextAttemptAt: at,
    },
  };
}

describe("JsonLinesVendorStore", () => {
  it("keeps deliveries and the pending outbox across a reopen, minus what the host acknowledged", async () => {
    const file = path.join(dir, "a", "deliveries.jsonl");
    const store = new JsonLinesVendorStore(file);
    for (const n of [1, 2, 3]) {
      const d = delivery(n);
      await store.recordDelivery(d.record, d.registration);
    }
    await store.completeRegistration(delivery(2).registration.messageId);
    await store.updateRegistration({
      ...delivery(3).registration,
      attempts: 1,
      lastError: "host_unreachable: down",
    });
    await store.close();

    const reopened = new JsonLinesVendorStore(file);
    expect((await reopened.findDelivery(delivery(2).record.commitId))?.reply.content.body).toBe("body 2");
    const pending = await reopened.pendingRegistrations();
    expect(pending.map((p) => p.messageId).sort()).toEqual(
      [delivery(1).registration.messageId, delivery(3).registration.messageId].sort(),
    );
    expect(pending.find((p) => p.facts.commitId === delivery(3).record.commitId)?.attempts).toBe(1);
    await reopened.close();
  });

  it("keeps which deliveries are settled across a reopen and its compaction", async () => {
    const file = path.join(dir, "settled", "deliveries.jsonl");
    const store = new JsonLinesVendorStore(file);
    const endorsement = {
      endorsement: {
        commitId: "c_xxxxxxxxxxxxxxxxxxxx",
        orderDigest: "a".repeat(64),
        vendorId: `v_${"a".repeat(32)}`,
        amount: { currency: "USD", value: "0.01" },
        brokerId: `b_${"b".repeat(32)}`,
        expiresAt: "2026-11-21T06:00:00.000Z",
      },
      sig: "s".repeat(86),
    };
    for (const n of [1, 2, 3]) {
      const d = delivery(n);
      await store.recordDelivery({ ...d.record, endorsement }, d.registration);
    }
    const settlement = {
      outcome: "broker" as const,
      ref: "s_statement-0000000001",
      at: "2026-11-21T05:30:00.000Z",
    };
    await store.markSettled([delivery(1).record.commitId, delivery(3).record.commitId], settlement);
    await store.close();
    for (let reopen = 0; reopen < 2; reopen++) {
      const reopened = new JsonLinesVendorStore(file);
      expect((await reopened.unsettledDeliveries()).map((d) => d.commitId)).toEqual([
        delivery(2).record.commitId,
      ]);
      expect((await reopened.findDelivery(delivery(1).record.commitId))?.settlement).toEqual(settlement);
      await reopened.close();
    }
  });

  it("skips a torn last line left by a crash mid-write", async () => {
    const file = path.join(dir, "b", "deliveries.jsonl");
    const store = new JsonLinesVendorStore(file);
    const d = delivery(7);
    await store.recordDelivery(d.record, d.registration);
    await store.close();
    fs.appendFileSync(file, '{"k":"delivery","record":{"commitId":"c_torn');

    const reopened = new JsonLinesVendorStore(file);
    expect(await reopened.findDelivery(d.record.commitId)).toEqual(d.record);
    expect(await reopened.pendingRegistrations()).toHaveLength(1);
    await reopened.close();
  });

  it("ignores updates for a registration that already left the outbox", async () => {
    const store = new JsonLinesVendorStore(path.join(dir, "c", "deliveries.jsonl"));
    const d = delivery(8);
    await store.recordDelivery(d.record, d.registration);
    await store.completeRegistration(d.registration.messageId);
    await store.updateRegistration({ ...d.registration, attempts: 4 });
    expect(await store.pendingRegistrations()).toEqual([]);
    await store.close();
  });
});

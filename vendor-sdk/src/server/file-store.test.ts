import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { JsonLinesVendorStore, readVendorStoreFile } from "./file-store";
import type {
  AcceptedDelivery,
  DeliveredDelivery,
  PendingRegistration,
  PreparedDelivery,
  RefusedDelivery,
} from "./store";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vendor-store-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const at = "2026-11-21T05:00:00.000Z";
const content = (n: number) => ({ mediaType: "text/plain" as const, body: `body ${n}` });

function accepted(n: number): AcceptedDelivery {
  const commitId = `c_commitment-number-${String(n).padStart(4, "0")}`;
  const orderDigest = String(n % 10).repeat(64);
  return {
    state: "accepted",
    commitId,
    orderDigest,
    itemId: `article-${n}`,
    requestDigest: "f".repeat(64),
    endorsement: {
      endorsement: {
        commitId,
        orderDigest,
        vendorId: `v_${"a".repeat(32)}`,
        amount: { currency: "USD", value: "0.01" },
        brokerId: `b_${"b".repeat(32)}`,
        expiresAt: "2026-11-21T05:15:00.000Z",
      },
      sig: "s".repeat(86),
    },
    acceptedAt: at,
    attempts: 0,
  };
}

function prepared(n: number): PreparedDelivery {
  return { ...accepted(n), state: "prepared", content: content(n), preparedAt: at };
}

function delivered(n: number): { record: DeliveredDelivery; registration: PendingRegistration } {
  const record: DeliveredDelivery = {
    ...accepted(n),
    state: "delivered",
    reply: {
      orderDigest: accepted(n).orderDigest,
      commitId: accepted(n).commitId,
      content: content(n),
      deliveredAt: at,
    },
  };
  return {
    record,
    registration: {
      messageId: `register-delivery-${n}-xxxxxxxx`,
      facts: {
        orderDigest: record.orderDigest,
        commitId: record.commitId,
        vendorId: `v_${"a".repeat(32)}`,
        amount: { currency: "USD", value: "0.01" },
      },
      queuedAt: at,
      attempts: 0,
      nextAttemptAt: at,
    },
  };
}

function refused(n: number): RefusedDelivery {
  return {
    ...accepted(n),
    state: "refused",
    refusal: { code: "order_expired", message: "the endorsement expired" },
    refusedAt: at,
  };
}

const lines = (file: string) => fs.readFileSync(file, "utf8").split("\n").filter(Boolean).length;

describe("JsonLinesVendorStore", () => {
  it("writes every state change to disk before it resolves, readable by another reader meanwhile", async () => {
    const file = path.join(dir, "states", "deliveries.jsonl");
    const store = new JsonLinesVendorStore(file);
    const stateOnDisk = (commitId: string) =>
      readVendorStoreFile(file).deliveries.find((d) => d.commitId === commitId);

    await store.saveDelivery(accepted(1));
    expect(stateOnDisk(accepted(1).commitId)).toEqual(accepted(1));
    const failed = { ...accepted(1), attempts: 1, lastError: { code: "internal", message: "db down", at } };
    await store.saveDelivery(failed);
    expect(stateOnDisk(accepted(1).commitId)).toEqual(failed);
    await store.saveDelivery(prepared(1));
    expect(stateOnDisk(accepted(1).commitId)).toEqual(prepared(1));
    const d = delivered(1);
    await store.recordDelivery(d.record, d.registration);
    expect(readVendorStoreFile(file)).toEqual({ deliveries: [d.record], pending: [d.registration] });
    await store.saveDelivery(refused(2));
    expect(stateOnDisk(refused(2).commitId)).toEqual(refused(2));
    await store.completeRegistration(d.registration.messageId);
    expect(readVendorStoreFile(file).pending).toEqual([]);

    // The reader neither compacted nor wrote: one line per change is still there.
    expect(lines(file)).toBe(6);
    await store.close();
  });

  it("replays every state across a reopen (and its compaction to one line per delivery)", async () => {
    const file = path.join(dir, "reopen", "deliveries.jsonl");
    const store = new JsonLinesVendorStore(file);
    await store.saveDelivery(accepted(1));
    await store.saveDelivery(accepted(2));
    await store.saveDelivery(prepared(2));
    await store.saveDelivery(accepted(3));
    await store.saveDelivery(refused(3));
    await store.saveDelivery(prepared(4));
    const d = delivered(4);
    await store.recordDelivery(d.record, d.registration);
    await store.close();

    for (let reopen = 0; reopen < 2; reopen++) {
      const reopened = new JsonLinesVendorStore(file);
      expect(await reopened.findDelivery(accepted(1).commitId)).toEqual(accepted(1));
      expect(await reopened.findDelivery(accepted(2).commitId)).toEqual(prepared(2));
      expect(await reopened.findDelivery(accepted(3).commitId)).toEqual(refused(3));
      expect(await reopened.findDelivery(accepted(4).commitId)).toEqual(d.record);
      expect(await reopened.pendingRegistrations()).toEqual([d.registration]);
      // Only the delivered order is for settlement.
      expect((await reopened.unsettledDeliveries()).map((r) => r.commitId)).toEqual([d.record.commitId]);
      await reopened.close();
      expect(lines(file)).toBe(4);
    }
  });

  it("keeps the pending outbox across a reopen, minus what the host acknowledged", async () => {
    const file = path.join(dir, "a", "deliveries.jsonl");
    const store = new JsonLinesVendorStore(file);
    for (const n of [1, 2, 3]) {
      const d = delivered(n);
      await store.recordDelivery(d.record, d.registration);
    }
    await store.completeRegistration(delivered(2).registration.messageId);
    await store.updateRegistration({
      ...delivered(3).registration,
      attempts: 1,
      lastError: "host_unreachable: down",
    });
    await store.close();

    const reopened = new JsonLinesVendorStore(file);
    const two = await reopened.findDelivery(delivered(2).record.commitId);
    expect(two?.state === "delivered" && two.reply.content.body).toBe("body 2");
    const pending = await reopened.pendingRegistrations();
    expect(pending.map((p) => p.messageId).sort()).toEqual(
      [delivered(1).registration.messageId, delivered(3).registration.messageId].sort(),
    );
    expect(pending.find((p) => p.facts.commitId === delivered(3).record.commitId)?.attempts).toBe(1);
    await reopened.close();
  });

  it("keeps which deliveries are settled across a reopen, and settles nothing but DELIVERED", async () => {
    const file = path.join(dir, "settled", "deliveries.jsonl");
    const store = new JsonLinesVendorStore(file);
    for (const n of [1, 2, 3]) {
      const d = delivered(n);
      await store.recordDelivery(d.record, d.registration);
    }
    await store.saveDelivery(prepared(4));
    const settlement = {
      outcome: "broker" as const,
      ref: "s_statement-0000000001",
      at: "2026-11-21T05:30:00.000Z",
    };
    await store.markSettled(
      [delivered(1).record.commitId, delivered(3).record.commitId, prepared(4).commitId],
      settlement,
    );
    await store.close();
    for (let reopen = 0; reopen < 2; reopen++) {
      const reopened = new JsonLinesVendorStore(file);
      expect((await reopened.unsettledDeliveries()).map((d) => d.commitId)).toEqual([
        delivered(2).record.commitId,
      ]);
      expect(await reopened.findDelivery(delivered(1).record.commitId)).toMatchObject({ settlement });
      expect(await reopened.findDelivery(prepared(4).commitId)).toEqual(prepared(4));
      await reopened.close();
    }
  });

  it("skips a torn last line left by a crash mid-write, in the store and in the reader", async () => {
    const file = path.join(dir, "b", "deliveries.jsonl");
    const store = new JsonLinesVendorStore(file);
    const d = delivered(7);
    await store.recordDelivery(d.record, d.registration);
    await store.close();
    fs.appendFileSync(file, '{"k":"delivery","record":{"state":"accepted","commitId":"c_torn');

    expect(readVendorStoreFile(file).deliveries).toEqual([d.record]);
    const reopened = new JsonLinesVendorStore(file);
    expect(await reopened.findDelivery(d.record.commitId)).toEqual(d.record);
    expect(await reopened.pendingRegistrations()).toHaveLength(1);
    await reopened.close();
  });

  it("reads an absent file as empty, without creating it", () => {
    const file = path.join(dir, "nothing-here", "deliveries.jsonl");
    expect(readVendorStoreFile(file)).toEqual({ deliveries: [], pending: [] });
    expect(fs.existsSync(path.dirname(file))).toBe(false);
  });

  it("reads v0.1 lines (finished deliveries without a state) as DELIVERED", async () => {
    const file = path.join(dir, "legacy", "deliveries.jsonl");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const { record, registration } = delivered(5);
    const legacy = {
      commitId: record.commitId,
      orderDigest: record.orderDigest,
      requestDigest: record.requestDigest,
      reply: record.reply,
      endorsement: record.endorsement,
    };
    const unsettleable = { ...legacy, commitId: "c_no-endorsement-000000", endorsement: undefined };
    fs.writeFileSync(
      file,
      `${JSON.stringify({ k: "delivery", record: legacy, registration })}\n${JSON.stringify({ k: "delivery", record: unsettleable })}\n`,
    );
    const store = new JsonLinesVendorStore(file);
    expect(await store.findDelivery(record.commitId)).toEqual({ ...record, itemId: "", acceptedAt: at });
    expect(await store.findDelivery("c_no-endorsement-000000")).toBeUndefined();
    expect((await store.unsettledDeliveries()).map((d) => d.commitId)).toEqual([record.commitId]);
    await store.close();
  });

  it("ignores updates for a registration that already left the outbox", async () => {
    const store = new JsonLinesVendorStore(path.join(dir, "c", "deliveries.jsonl"));
    const d = delivered(8);
    await store.recordDelivery(d.record, d.registration);
    await store.completeRegistration(d.registration.messageId);
    await store.updateRegistration({ ...d.registration, attempts: 4 });
    expect(await store.pendingRegistrations()).toEqual([]);
    await store.close();
  });
});

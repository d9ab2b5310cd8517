/**
 * Register Commit through the durable outbox, against a real host that goes away and comes back:
 * the endorsement never waits for the host, the message survives a broker restart, and every resend
 * carries the same message id until the host acknowledges it.
 */
import { join } from "node:path";
import { startHost } from "@quickpay/host-server";
import {
  type AttemptError,
  endpointUrl,
  type GiveUpReason,
  getJson,
  type MoneyWire,
  newMessageId,
  newPayerSalt,
  OrderStatus,
  orderStatusPath,
  randomBytes,
  sha256Hex,
} from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutboxUnit } from "./outbox-sender";
import { accountNumberPinPolicy } from "./policy";
import { startBroker } from "./server";
import { ALICE, addPaycard, type Fixture, postMessage, startFixture } from "./test-fixture";

let f: Fixture;
let alice: { paycardId: string; credential: string };
const givenUp: { id: string; code: string; reason: string }[] = [];
const SLOW_OUTBOX = {
  policy: { baseMs: 60_000, capMs: 10 * 60_000 },
  random: () => 1,
  onGiveUp: (unit: OutboxUnit, error: AttemptError, reason: GiveUpReason) => {
    givenUp.push({ id: unit.id, code: error.code, reason });
  },
};

beforeAll(async () => {
  // A long backoff with the jitter pinned to its top: only the test's explicit flushes resend, so
  // every step is deterministic.
  f = await startFixture({ outbox: SLOW_OUTBOX }, (dir) => ({
    dbPath: join(dir, "host.sqlite"),
  }));
  alice = await addPaycard(f, f.wallet, ALICE);
});

afterAll(async () => {
  await f?.close();
});

async function endorse(): Promise<{ orderDigest: string; commitId: string }> {
  const orderDigest = sha256Hex(randomBytes(32));
  const r = await postMessage(f, f.wallet, "InquiryPayment", {
    ...alice,
    orderDigest,
    vendorId: f.vendor.id,
    amount: { currency: "USD", value: "0.01" } satisfies MoneyWire,
    kind: "micro",
    orderExpiresAt: new Date(Date.now() + 60_000).toISOString(),
    payerSalt: newPayerSalt(),
  });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return {
    orderDigest,
    commitId: (r.json.endorsement as { endorsement: { commitId: string } }).endorsement.commitId,
  };
}

const orderStatus = (digest: string) =>
  getJson(endpointUrl(f.host.url, orderStatusPath(digest)), OrderStatus);

describe("Register Commit outbox", () => {
  it("registers each endorsement with the host, written in the endorsement's own transaction", async () => {
    const { orderDigest, commitId } = await endorse();
    const row = f.broker.ledger.db
      .prepare("SELECT message_id, body_json FROM outbox WHERE body_json LIKE ?")
      .get(`%${commitId}%`) as { message_id: string };
    expect(row).toBeDefined();
    expect((await f.broker.flushOutbox()).pending).toBe(0);
    const status = await orderStatus(orderDigest);
    expect(status.commit).toMatchObject({
      commitId,
      from: f.broker.brokerId,
      messageId: row.message_id,
      amount: { currency: "USD", value: "0.01" },
    });
  });

  it("sends endorsements that piled up together as one batch, under one id, signed once", async () => {
    // With the background sender paused, three endorsements wait in the outbox untried.
    await f.broker.broker.outbox.stop();
    const made = [await endorse(), await endorse(), await endorse()];
    expect(f.broker.ledger.outbox.pendingCount()).toBe(3);
    expect(await f.broker.flushOutbox()).toEqual({ sent: 3, failed: 0, gaveUp: 0, pending: 0 });
    const batchIds = new Set(
      made.map(
        ({ commitId }) =>
          (
            f.broker.ledger.db
              .prepare("SELECT batch_id FROM outbox WHERE body_json LIKE ?")
              .get(`%${commitId}%`) as {
              batch_id: string;
            }
          ).batch_id,
      ),
    );
    expect(batchIds.size).toBe(1);
    const [batchId] = [...batchIds];
    for (const { orderDigest, commitId } of made) {
      expect((await orderStatus(orderDigest)).commit).toMatchObject({ commitId, messageId: batchId });
    }
    f.broker.broker.outbox.start();
  });

  it("keeps endorsing while the host is down and resends under the same id, across a broker restart", async () => {
    const hostPort = Number(new URL(f.host.url).port);
    await f.host.close();

    // The wallet still gets its endorsement: the host is a passive watcher, never in the path.
    const { orderDigest, commitId } = await endorse();
    const first = await f.broker.flushOutbox();
    expect(first).toMatchObject({ sent: 0, pending: 1 });
    const pendingRow = () =>
      f.broker.ledger.db.prepare("SELECT * FROM outbox WHERE acked_at IS NULL").get() as {
        message_id: string;
        attempts: number;
        last_error: string;
        next_attempt_at: number;
      };
    const afterOne = pendingRow();
    expect(afterOne.last_error).toMatch(/^host_unreachable/);
    await f.broker.flushOutbox();
    const afterTwo = pendingRow();
    expect(afterTwo.message_id).toBe(afterOne.message_id);
    expect(afterTwo.attempts).toBe(afterOne.attempts + 1);
    // Backoff grows with each failed attempt (the jitter is pinned to its top here).
    expect(afterTwo.next_attempt_at).toBeGreaterThan(afterOne.next_attempt_at);

    // The broker restarts on the same file and port: the unacknowledged message is still owed.
    const brokerPort = Number(new URL(f.broker.url).port);
    await f.broker.close();
    f.broker = await startBroker({
      hostUrl: `http://127.0.0.1:${hostPort}`,
      key: f.brokerKey,
      dbPath: join(f.dir, "broker.sqlite"),
      policy: accountNumberPinPolicy(),
      moduleIds: ["test-bank"],
      port: brokerPort,
      outbox: SLOW_OUTBOX,
    });
    expect(f.broker.ledger.outbox.pendingCount()).toBe(1);

    f.host = await startHost({ dbPath: join(f.dir, "host.sqlite"), port: hostPort });
    expect(await f.broker.flushOutbox()).toMatchObject({ sent: 1, pending: 0 });
    const status = await orderStatus(orderDigest);
    expect(status.commit).toMatchObject({ commitId, messageId: afterOne.message_id });
  });
});

describe("Register Commit the host refuses", () => {
  it("is given up at once: recorded on its row for the operator, reported, never resent", async () => {
    // A commitment the host can never accept as sent: its endorsement's signature is not the broker's.
    const { commitId } = await endorse();
    await f.broker.flushOutbox();
    const row = f.broker.ledger.db
      .prepare("SELECT body_json FROM outbox WHERE body_json LIKE ?")
      .get(`%${commitId}%`) as { body_json: string };
    const body = JSON.parse(row.body_json) as { endorsement: { sig: string } };
    body.endorsement.sig = `${body.endorsement.sig.startsWith("A") ? "B" : "A"}${body.endorsement.sig.slice(1)}`;
    const messageId = newMessageId();
    f.broker.ledger.outbox.enqueue(messageId, "RegisterCommit", body, Date.now());

    const result = await f.broker.flushOutbox();
    expect(result).toMatchObject({ sent: 0, failed: 0, gaveUp: 1, pending: 0 });
    const refused = f.broker.ledger.outbox.byMessageId(messageId)!;
    expect(refused).toMatchObject({ attempts: 1, acked_at: null });
    expect(refused.gave_up_at).toEqual(expect.any(Number));
    expect(refused.last_error).toMatch(/^bad_signature: /);
    expect(f.broker.ledger.outbox.givenUp().map((r) => r.message_id)).toEqual([messageId]);
    expect(givenUp).toEqual([{ id: messageId, code: "bad_signature", reason: "refused" }]);

    // Never sent again, not even by a "retry everything now".
    expect(await f.broker.flushOutbox()).toEqual({ sent: 0, failed: 0, gaveUp: 0, pending: 0 });
    expect(f.broker.ledger.outbox.byMessageId(messageId)?.attempts).toBe(1);
  });
});

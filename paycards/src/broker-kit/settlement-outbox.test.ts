/**
 * Register Settlement through the durable outbox: it waits for the Register Commits queued before it
 * (the host records only commitments it knows this broker made), then reaches the host once.
 */
import type { FetchLike, SignedEndorsement } from "@quickpay/protocol";
import { newPayerSalt, randomBytes, sha256Hex } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALICE, addPaycard, type Fixture, postMessage, startFixture } from "./test-fixture";

let f: Fixture;
let alice: { paycardId: string; credential: string };
/** While true the broker cannot reach the host's Register Commit routes (everything else works). */
let commitsBlocked = false;
const transport: FetchLike = (input, init) =>
  commitsBlocked && /\/v1\/register-commit(-batch)?$/.test(input)
    ? Promise.reject(new TypeError("connect ECONNREFUSED"))
    : fetch(input, init);

beforeAll(async () => {
  // A long backoff with the jitter pinned to its top: only the test's explicit flushes resend.
  f = await startFixture({
    fetch: transport,
    outbox: { policy: { baseMs: 60_000, capMs: 10 * 60_000 }, random: () => 1 },
    approvalPollMs: 0,
  });
  alice = await addPaycard(f, f.wallet, ALICE);
});

afterAll(async () => {
  await f?.close();
});

describe("Register Settlement outbox", () => {
  it("holds Register Settlement until the earlier Register Commit is acknowledged, then the host records it", async () => {
    commitsBlocked = true;
    const r = await postMessage(f, f.wallet, "InquiryPayment", {
      ...alice,
      orderDigest: sha256Hex(randomBytes(32)),
      vendorId: f.vendor.id,
      amount: { currency: "USD", value: "0.01" },
      kind: "micro",
      orderExpiresAt: new Date(Date.now() + 60_000).toISOString(),
      payerSalt: newPayerSalt(),
    });
    const endorsement = r.json.endorsement as SignedEndorsement;
    const { commitId, orderDigest, vendorId, amount } = endorsement.endorsement;
    expect(
      (
        await postMessage(f, f.vendor, "CheckCommit", {
          commitId,
          orderDigest,
          vendorId,
          amount,
          kind: "micro",
        })
      ).status,
    ).toBe(200);
    const settled = await postMessage(f, f.vendor, "SettleWithBroker", {
      orders: [{ orderDigest, endorsement }],
    });
    expect(settled.json).toMatchObject({ statement: { accepted: [orderDigest] } });

    expect(await f.broker.flushOutbox()).toMatchObject({ sent: 0, failed: 1, pending: 2 });
    // Held back, not failed: it was never attempted, so no attempt or error is recorded on it.
    const waiting = f.broker.ledger.db
      .prepare("SELECT attempts, last_error FROM outbox WHERE type = 'RegisterSettlement'")
      .get();
    expect(waiting).toEqual({ attempts: 0, last_error: null });
    expect(f.broker.ledger.outbox.nextDueAt()).toBeGreaterThan(Date.now());

    commitsBlocked = false;
    // One flush sends the commit and then the settlement it let go.
    expect(await f.broker.flushOutbox()).toMatchObject({ sent: 2, failed: 0, pending: 0 });
    const view = await fetch(`${f.host.url}/v1/admin/orders/${orderDigest}`, {
      headers: { authorization: `Bearer ${f.host.operatorToken}` },
    }).then((res) => res.json());
    expect(view.settlements).toMatchObject([{ path: "broker", brokerId: f.broker.brokerId }]);
  });
});

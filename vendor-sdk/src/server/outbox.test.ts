import { generateKeyPair, playerIdFor } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { deadUrl } from "../test-support/serve";
import { DeliveryRegistrar } from "./outbox";
import { MemoryVendorStore, type PendingRegistration } from "./store";

const keys = generateKeyPair();
const vendorId = playerIdFor("vendor", keys.publicKey);
const silent = { info() {}, warn() {}, error() {} };

describe("the Register Delivery outbox", () => {
  it("keeps a registration the host did not acknowledge, backing off between attempts", async () => {
    let t = Date.parse("2026-11-21T05:00:00.000Z");
    const store = new MemoryVendorStore();
    const registrar = new DeliveryRegistrar({
      store,
      signer: { playerId: vendorId, privateKey: keys.privateKey },
      hostUrl: await deadUrl(),
      now: () => new Date(t),
      logger: silent,
    });
    const at = new Date(t).toISOString();
    const registration: PendingRegistration = {
      messageId: "register-delivery-test-0001",
      facts: {
        orderDigest: "a".repeat(64),
        commitId: "c_0123456789abcdefghij",
        vendorId,
        amount: { currency: "USD", value: "0.01" },
      },
      queuedAt: at,
      attempts: 0,
      nextAttemptAt: at,
    };
    await store.recordDelivery(
      {
        commitId: registration.facts.commitId,
        orderDigest: registration.facts.orderDigest,
        requestDigest: "b".repeat(64),
        reply: {
          orderDigest: "a".repeat(64),
          commitId: registration.facts.commitId,
          content: { mediaType: "text/plain", body: "x" },
          deliveredAt: at,
        },
      },
      registration,
    );

    expect(await registrar.attempt(registration)).toBe(false);
    const [after1] = await store.pendingRegistrations();
    expect(after1).toMatchObject({ attempts: 1, nextAttemptAt: "2026-11-21T05:00:05.000Z" });
    expect(after1?.lastError).toMatch(/^host_unreachable: /);

    // Not due yet: the background flush leaves it alone.
    expect(await registrar.flush({ dueOnly: true })).toEqual({ sent: 0, pending: 1 });
    expect((await store.pendingRegistrations())[0]?.attempts).toBe(1);

    t += 5_000;
    expect(await registrar.flush({ dueOnly: true })).toEqual({ sent: 0, pending: 1 });
    expect((await store.pendingRegistrations())[0]).toMatchObject({
      attempts: 2,
      nextAttemptAt: "2026-11-21T05:00:15.000Z",
    });
  });
});

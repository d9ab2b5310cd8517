/** The Register Delivery outbox on the protocol's Resender, against a dead port and a real host. */
import { type RunningHost, sharedProofServer, startHost } from "@quickpay/host-server";
import { generateKeyPair, getJson, OrderStatus, orderStatusPath, playerIdFor } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deadUrl } from "../test-support/serve";
import { derivedMessageId } from "./message-ids";
import { DeliveryRegistrar, REGISTER_DELIVERY_POLICY } from "./outbox";
import { registerVendor } from "./register";
import { type DeliveredDelivery, MemoryVendorStore, type PendingRegistration } from "./store";

const keys = generateKeyPair();
const vendorId = playerIdFor("vendor", keys.publicKey);
const signer = { playerId: vendorId, privateKey: keys.privateKey };

interface Logged {
  level: "warn" | "error";
  obj: object;
  msg: string | undefined;
}

function recordingLogger() {
  const logged: Logged[] = [];
  return {
    logged,
    logger: {
      info() {},
      warn: (obj: object, msg?: string) => logged.push({ level: "warn", obj, msg }),
      error: (obj: object, msg?: string) => logged.push({ level: "error", obj, msg }),
    },
  };
}

let n = 0;
/** A delivered order and its queued registration, as the handlers store them. */
async function queue(store: MemoryVendorStore, at: string): Promise<PendingRegistration> {
  const digit = String(++n % 10);
  const commitId = `c_outbox-test-commitment-${n}`;
  const orderDigest = digit.repeat(64);
  const registration: PendingRegistration = {
    messageId: derivedMessageId("register-delivery", vendorId, commitId, at),
    facts: { orderDigest, commitId, vendorId, amount: { currency: "USD", value: "0.01" } },
    queuedAt: at,
    attempts: 0,
    nextAttemptAt: at,
  };
  const record: DeliveredDelivery = {
    state: "delivered",
    commitId,
    orderDigest,
    itemId: "article-1",
    requestDigest: "b".repeat(64),
    endorsement: {
      endorsement: {
        commitId,
        orderDigest,
        vendorId,
        amount: { currency: "USD", value: "0.01" },
        brokerId: `b_${"b".repeat(32)}`,
        expiresAt: at,
      },
      sig: "s".repeat(86),
    },
    acceptedAt: at,
    attempts: 0,
    reply: { orderDigest, commitId, content: { mediaType: "text/plain", body: "x" }, deliveredAt: at },
  };
  await store.recordDelivery(record, registration);
  return registration;
}

describe("the Register Delivery outbox", () => {
  it("keeps a registration the host did not acknowledge, backing off on the one retry policy", async () => {
    let t = Date.parse("2026-11-21T05:00:00.000Z");
    const store = new MemoryVendorStore();
    const { logger, logged } = recordingLogger();
    const registrar = new DeliveryRegistrar({
      store,
      signer,
      hostUrl: await deadUrl(),
      now: () => new Date(t),
      logger,
      timer: false,
      // The top of each jitter range, so the schedule is exact: 2 s, 4 s, 8 s, … capped at 10 min.
      random: () => 1,
    });
    await queue(store, new Date(t).toISOString());

    expect(await registrar.sendDue()).toEqual({ sent: 0, pending: 1 });
    const [after1] = await store.pendingRegistrations();
    expect(after1).toMatchObject({ attempts: 1, nextAttemptAt: "2026-11-21T05:00:02.000Z" });
    expect(after1?.lastError).toMatch(/^host_unreachable: /);
    expect(after1?.gaveUp).toBeUndefined();
    expect(logged.filter((l) => l.level === "error")).toEqual([]);

    // Not due yet: what the timer sends leaves it alone.
    t += 1_999;
    expect(await registrar.sendDue()).toEqual({ sent: 0, pending: 1 });
    expect((await store.pendingRegistrations())[0]?.attempts).toBe(1);

    t += 1;
    await registrar.sendDue();
    expect((await store.pendingRegistrations())[0]).toMatchObject({
      attempts: 2,
      nextAttemptAt: "2026-11-21T05:00:06.000Z",
    });

    // Never given up by count: after many failures it is still retried, at most 10 minutes apart.
    for (let i = 0; i < 20; i++) {
      t = Date.parse((await store.pendingRegistrations())[0]!.nextAttemptAt);
      await registrar.sendDue();
    }
    const late = (await store.pendingRegistrations())[0]!;
    expect(late.attempts).toBe(22);
    expect(late.gaveUp).toBeUndefined();
    expect(Date.parse(late.nextAttemptAt) - t).toBe(REGISTER_DELIVERY_POLICY.capMs);
    await registrar.stop();
  });

  describe("with a real host", () => {
    let host: RunningHost;
    beforeAll(async () => {
      host = await startHost();
    });
    afterAll(async () => {
      await host?.close();
    });

    it("gives up a refused registration with an error for the operator, and sends it on flushOutbox once fixed", async () => {
      const store = new MemoryVendorStore();
      const { logger, logged } = recordingLogger();
      const registrar = new DeliveryRegistrar({
        store,
        signer,
        hostUrl: host.url,
        now: () => new Date(),
        logger,
        timer: false,
      });
      const registration = await queue(store, new Date().toISOString());

      // The host does not know this vendor yet: a refusal, not a host that is away.
      expect(await registrar.sendDue()).toEqual({ sent: 0, pending: 1 });
      const [refused] = await store.pendingRegistrations();
      expect(refused?.gaveUp).toMatchObject({ reason: "refused", code: "unknown_player" });
      const errors = logged.filter((l) => l.level === "error");
      expect(errors.map((l) => l.obj)).toContainEqual(
        expect.objectContaining({ code: "unknown_player", commitId: registration.facts.commitId }),
      );
      expect(errors.some((l) => l.msg?.includes("flushOutbox"))).toBe(true);

      // Given up: the timer's sends leave it alone…
      expect(await registrar.sendDue()).toEqual({ sent: 0, pending: 1 });
      expect((await store.pendingRegistrations())[0]?.attempts).toBe(1);

      // …until the operator fixes the cause and flushes.
      // The shared proof server serves /.well-known/quickpay.json for this key on a fresh origin.
      const origin = (await sharedProofServer()).originFor(keys.publicKey);
      await registerVendor(host.url, keys, {
        name: "Outbox Shop",
        origins: [origin],
        endpoint: `${origin}/quickpay`,
      });
      expect(await registrar.flush()).toEqual({ sent: 1, pending: 0 });
      const status = await getJson(host.url + orderStatusPath(registration.facts.orderDigest), OrderStatus);
      expect(status.delivery).toMatchObject({ from: vendorId, commitId: registration.facts.commitId });
      await registrar.stop();
    });

    it("sends a kicked registration in the background, without the caller waiting for it", async () => {
      const store = new MemoryVendorStore();
      const registrar = new DeliveryRegistrar({
        store,
        signer,
        hostUrl: host.url,
        now: () => new Date(),
        logger: recordingLogger().logger,
        timer: false,
      });
      // The shared proof server serves /.well-known/quickpay.json for this key on a fresh origin.
      const origin = (await sharedProofServer()).originFor(keys.publicKey);
      await registerVendor(host.url, keys, {
        name: "Outbox Shop",
        origins: [origin],
        endpoint: `${origin}/quickpay`,
      });
      const registration = await queue(store, new Date().toISOString());
      registrar.start(); // as the handlers do, with or without the timer
      registrar.kick();
      // stop() waits for the drain the kick started.
      await registrar.stop();
      expect(await store.pendingRegistrations()).toEqual([]);
      const status = await getJson(host.url + orderStatusPath(registration.facts.orderDigest), OrderStatus);
      expect(status.delivery).toMatchObject({ commitId: registration.facts.commitId });
    });
  });
});

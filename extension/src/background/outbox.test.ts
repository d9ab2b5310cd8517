/**
 * The outbox: the protocol's resend loop over the Wallet's IndexedDB store. Against a real host that
 * is down, then up (same message id on every resend, the policy's backoff, nothing lost when the
 * worker — the Outbox object — is replaced); and with scripted senders: nothing before Register
 * Wallet, a refusal is not resent, the last attempt at the deadline, an outcome and its effect in one
 * transaction, and stale outcomes from a worker presumed dead change nothing.
 */
import "fake-indexeddb/auto";
import net from "node:net";
import { type RunningHost, startHost } from "@quickpay/host-server";
import { QuickPayError } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { type OutboxItem, openWalletDb, type WalletDatabase } from "./db";
import { ensureWallet, markRegistered, walletSigner } from "./identity";
import {
  DELIVERY_POLICY,
  HOST_POLICY,
  hostSender,
  INQUIRY_POLICY,
  Outbox,
  retryableFor,
  retryPolicyFor,
} from "./outbox";
import { newOutboxItem, type OutboxKind, type OutboxKinds } from "./outbox-store";

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let dbs = 0;
const freshDb = () => openWalletDb(`outbox-${Date.now()}-${dbs++}`);

/** The outbox as the Wallet wires it for host messages; purchase steps are scripted per test. */
function hostOutbox(
  db: WalletDatabase,
  hostUrl: string,
  clock: { t: number },
  extra: Partial<OutboxKinds> = {},
  acks: string[] = [],
) {
  const now = () => new Date(clock.t);
  const send = hostSender({ hostUrl, now, signer: () => walletSigner(db) });
  const unused: OutboxKind = {
    send: async () => {
      throw new Error("not in this test");
    },
  };
  return new Outbox({
    db,
    now,
    // The top of every jitter range: the backoff's ceiling, so the schedule can be read off the clock.
    random: () => 1,
    timer: false,
    kinds: {
      RegisterWallet: {
        send,
        acknowledged: async (write, item, reply) => {
          acks.push(item.id);
          await markRegistered(write.tx, (reply as { walletId: string }).walletId, write.now);
        },
      },
      RegisterOrder: {
        send,
        acknowledged: async (_write, item) => {
          acks.push(item.id);
        },
      },
      InquiryPayment: unused,
      RequestOrderDelivery: unused,
      ForgetPaycard: unused,
      ...extra,
    },
  });
}

async function registeredDb(): Promise<WalletDatabase> {
  const db = await freshDb();
  await db.put("meta", {
    id: "wallet",
    walletId: "w_0",
    registered: true,
    registerMessageId: "x".repeat(16),
  });
  return db;
}

describe("the retry policy per kind", () => {
  it("gives each kind its own backoff, all from one function", () => {
    expect(retryPolicyFor({ type: "RegisterWallet" })).toBe(HOST_POLICY);
    expect(retryPolicyFor({ type: "RegisterOrder" })).toBe(HOST_POLICY);
    expect(retryPolicyFor({ type: "InquiryPayment" })).toBe(INQUIRY_POLICY);
    expect(retryPolicyFor({ type: "RequestOrderDelivery" })).toBe(DELIVERY_POLICY);
    expect(HOST_POLICY).toEqual({ baseMs: 2_000, capMs: 600_000 });
    expect(INQUIRY_POLICY).toEqual({ baseMs: 1_000, capMs: 5_000 });
    expect(DELIVERY_POLICY).toEqual({ baseMs: 1_000, capMs: 300_000 });
  });

  it("retries what the protocol calls retryable, plus 'not known yet' for messages to the host", () => {
    const e = (code: ConstructorParameters<typeof QuickPayError>[0]) => new QuickPayError(code, code);
    for (const type of [
      "RegisterWallet",
      "RegisterOrder",
      "InquiryPayment",
      "RequestOrderDelivery",
    ] as const) {
      expect(retryableFor({ type }, e("host_unreachable"))).toBe(true);
      expect(retryableFor({ type }, e("delivery_failed"))).toBe(true);
      expect(retryableFor({ type }, new TypeError("fetch failed"))).toBe(true);
      expect(retryableFor({ type }, e("invalid_request"))).toBe(false);
    }
    expect(retryableFor({ type: "RegisterOrder" }, e("unknown_player"))).toBe(true);
    expect(retryableFor({ type: "InquiryPayment" }, e("not_registered"))).toBe(true);
    expect(retryableFor({ type: "InquiryPayment" }, e("insufficient_funds"))).toBe(false);
    expect(retryableFor({ type: "RequestOrderDelivery" }, e("order_expired"))).toBe(false);
    expect(retryableFor({ type: "RequestOrderDelivery" }, e("unknown_player"))).toBe(false);
  });
});

describe("Outbox against a real host", () => {
  it("resends Register Wallet under the same id until the host is up, across a worker restart", async () => {
    const port = await freePort();
    const hostUrl = `http://127.0.0.1:${port}`;
    const db = await freshDb();
    const clock = { t: Date.now() };
    const first = hostOutbox(db, hostUrl, clock);
    const meta = await ensureWallet(db, first, new Date(clock.t));

    const down = await first.drain();
    expect(down.retrying).toEqual([meta.registerMessageId]);
    const [item] = await first.pending();
    expect(item).toMatchObject({ id: meta.registerMessageId, failures: 1, state: "pending" });
    expect(item!.nextAttemptAt).toBe(clock.t + HOST_POLICY.baseMs);
    expect(item!.lastError?.code).toBe("host_unreachable");
    expect(await first.nextDueAt()).toBe(clock.t + HOST_POLICY.baseMs);

    // Not due yet: nothing is sent.
    expect(await first.drain()).toEqual({ sent: [], retrying: [], gaveUp: [] });

    let host: RunningHost | undefined;
    try {
      host = await startHost({ port });
      // A new worker: only IndexedDB carries over.
      const acks: string[] = [];
      const second = hostOutbox(db, hostUrl, clock, {}, acks);
      await ensureWallet(db, second, new Date(clock.t));
      expect((await second.pending()).map((i) => i.id)).toEqual([meta.registerMessageId]);
      clock.t += HOST_POLICY.baseMs;
      const up = await second.drain();
      expect(up.sent).toEqual([meta.registerMessageId]);
      expect(acks).toEqual([meta.registerMessageId]);
      expect(await second.pending()).toEqual([]);
      expect(await db.get("outbox", meta.registerMessageId)).toMatchObject({ state: "done", failures: 1 });
      expect((await db.get("meta", "wallet"))?.registered).toBe(true);
    } finally {
      await host?.close();
    }
  });

  it("holds other messages until Register Wallet is acknowledged, and stops resending a refused one", async () => {
    const host = await startHost();
    try {
      const db = await freshDb();
      const clock = { t: Date.now() };
      const outbox = hostOutbox(db, host.url, clock);
      // Queued before the wallet exists: nothing can be sent yet.
      const bad = await outbox.enqueue(
        "RegisterOrder",
        {
          orderDigest: "0".repeat(64),
          commitId: "not-a-commit-id",
          vendorId: "v_0",
          amount: { currency: "USD", value: "1" },
        },
        "ro_00000000000000000000",
      );
      expect(await outbox.drain()).toEqual({ sent: [], retrying: [], gaveUp: [] });
      const meta = await ensureWallet(db, outbox, new Date(clock.t));
      expect(await outbox.nextDueAt()).toBe(clock.t);
      expect((await outbox.drain()).sent).toEqual([meta.registerMessageId]);
      // Registered now: the held message goes, and the host refuses it for good.
      expect((await outbox.drain()).gaveUp).toEqual([bad.id]);
      const stored = await db.get("outbox", bad.id);
      expect(stored).toMatchObject({ state: "failed", failures: 1, gaveUp: "refused" });
      expect(stored?.lastError?.code).toBe("invalid_request");
      clock.t += HOST_POLICY.capMs;
      expect(await outbox.drain({ all: true })).toEqual({ sent: [], retrying: [], gaveUp: [] });
    } finally {
      await host.close();
    }
  });
});

describe("Outbox with scripted senders", () => {
  it("enqueueing the same id twice keeps one message", async () => {
    const db = await freshDb();
    const outbox = hostOutbox(db, "http://127.0.0.1:1", { t: Date.now() });
    await outbox.enqueue("RegisterOrder", { a: 1 }, "same-id-0123456789");
    await outbox.enqueue("RegisterOrder", { a: 2 }, "same-id-0123456789");
    const pending = await outbox.pending();
    expect(pending).toHaveLength(1);
    expect(pending[0]!.body).toEqual({ a: 1 });
  });

  it("makes one last attempt exactly at the deadline, then gives up and tells the kind", async () => {
    const db = await registeredDb();
    const clock = { t: 1_000_000 };
    const seen: OutboxItem[] = [];
    const outbox = hostOutbox(db, "http://127.0.0.1:1", clock, {
      InquiryPayment: {
        send: async () => {
          throw new QuickPayError("broker_unreachable", "down");
        },
        failed: async (_write, item) => {
          seen.push(item);
        },
      },
    });
    const deadline = clock.t + 1_500;
    await outbox.enqueue("InquiryPayment", {}, "inquiry-0123456789", { purchaseId: "p1", deadline });
    await outbox.drain(); // due at once; retry at +1 s (the ceiling of the first jitter range)
    clock.t += 1_000;
    await outbox.drain(); // the next ceiling (+2 s) falls after the deadline: one last try at it
    expect((await db.get("outbox", "inquiry-0123456789"))?.nextAttemptAt).toBe(deadline);
    clock.t = deadline;
    expect((await outbox.drain()).gaveUp).toEqual(["inquiry-0123456789"]);
    expect(seen.map((i) => [i.state, i.failures])).toEqual([
      ["pending", 1],
      ["pending", 2],
      ["failed", 3],
    ]);
    expect((await db.get("outbox", "inquiry-0123456789"))?.gaveUp).toBe("expired");
  });

  it("commits an acknowledgement with its effect, and sends what the effect queued right after", async () => {
    const db = await registeredDb();
    const clock = { t: Date.now() };
    const sent: string[] = [];
    const outbox = hostOutbox(db, "http://127.0.0.1:1", clock, {
      InquiryPayment: {
        send: async (item) => {
          sent.push(item.id);
          return { ok: 1 };
        },
        acknowledged: async (write) => {
          await write.queue(newOutboxItem("RequestOrderDelivery", {}, "rod_c_0123456789", write.now));
        },
      },
      RequestOrderDelivery: {
        send: async (item) => {
          sent.push(item.id);
          return { ok: 2 };
        },
      },
    });
    outbox.start();
    try {
      await outbox.enqueue("InquiryPayment", {}, "inquiry-0123456789");
      // The enqueue kicked a drain; the effect's queued item goes in the one after it.
      while ((await outbox.pending()).length > 0) await outbox.drain();
      expect(sent).toEqual(["inquiry-0123456789", "rod_c_0123456789"]);
    } finally {
      await outbox.stop();
    }
  });

  it("leaves the item pending when its effect fails, so nothing is half-written", async () => {
    const db = await registeredDb();
    const outbox = hostOutbox(
      db,
      "http://127.0.0.1:1",
      { t: Date.now() },
      {
        InquiryPayment: {
          send: async () => ({ ok: 1 }),
          acknowledged: async (write) => {
            await write.queue(newOutboxItem("RequestOrderDelivery", {}, "rod_c_0123456789", write.now));
            throw new Error("effect broke");
          },
        },
      },
    );
    await outbox.enqueue("InquiryPayment", {}, "inquiry-0123456789");
    await expect(outbox.drain()).rejects.toThrow("effect broke");
    expect((await outbox.pending()).map((i) => i.id)).toEqual(["inquiry-0123456789"]);
    expect(await db.get("outbox", "rod_c_0123456789")).toBeUndefined();
  });

  it("ignores the late outcome of a worker presumed dead", async () => {
    const db = await registeredDb();
    const clock = { t: Date.now() };
    const effects: string[] = [];
    let release: (() => void) | undefined;
    const kinds: Partial<OutboxKinds> = {
      InquiryPayment: {
        send: async () => {
          if (!release) {
            // The first worker's attempt hangs until the test lets it fail, long after.
            await new Promise<void>((resolve) => {
              release = resolve;
            });
            throw new QuickPayError("broker_unreachable", "late");
          }
          return { ok: 1 };
        },
        acknowledged: async () => {
          effects.push("acknowledged");
        },
        failed: async () => {
          effects.push("failed");
        },
      },
    };
    const dead = hostOutbox(db, "http://127.0.0.1:1", clock, kinds);
    await dead.enqueue("InquiryPayment", {}, "inquiry-0123456789");
    const hanging = dead.drain();
    while (!release) await new Promise((resolve) => setImmediate(resolve));
    const next = hostOutbox(db, "http://127.0.0.1:1", clock, kinds);
    expect((await next.drain()).sent).toEqual(["inquiry-0123456789"]);
    release();
    expect((await hanging).retrying).toEqual(["inquiry-0123456789"]);
    expect(effects).toEqual(["acknowledged"]);
    expect(await db.get("outbox", "inquiry-0123456789")).toMatchObject({ state: "done", failures: 0 });
  });
});

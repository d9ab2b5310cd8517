/**
 * The outbox against a real host that is down, then up: same message id on every resend, backoff
 * between attempts, nothing lost when the worker (the Outbox object) is replaced, and a message the
 * host refuses for good is not resent forever.
 */
import "fake-indexeddb/auto";
import net from "node:net";
import { type RunningHost, startHost } from "@quickpay/host-server";
import { describe, expect, it } from "vitest";
import { openWalletDb, type WalletDatabase } from "./db";
import { ensureWallet, walletSigner } from "./identity";
import { BACKOFF_BASE_MS, BACKOFF_MAX_MS, backoffMs, Outbox } from "./outbox";

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function outboxFor(db: WalletDatabase, hostUrl: string, clock: { t: number }, acks: string[] = []) {
  return new Outbox({
    db,
    hostUrl,
    now: () => new Date(clock.t),
    signer: () => walletSigner(db),
    onAck: async (item) => {
      acks.push(item.id);
    },
  });
}

describe("backoffMs", () => {
  it("doubles from the base and stops at the cap", () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([1, 2, 4, 8].map((n) => n * BACKOFF_BASE_MS));
    expect(backoffMs(40)).toBe(BACKOFF_MAX_MS);
  });
});

describe("Outbox", () => {
  it("resends Register Wallet under the same id until the host is up, across a worker restart", async () => {
    const port = await freePort();
    const hostUrl = `http://127.0.0.1:${port}`;
    const db = await openWalletDb(`outbox-${Date.now()}-a`);
    const clock = { t: Date.now() };
    const first = outboxFor(db, hostUrl, clock);
    const meta = await ensureWallet(db, first, new Date(clock.t));

    const down = await first.flush();
    expect(down.retrying).toEqual([meta.registerMessageId]);
    const [item] = await first.pending();
    expect(item).toMatchObject({ id: meta.registerMessageId, attempts: 1, state: "pending" });
    expect(item!.nextAttemptAt).toBe(clock.t + BACKOFF_BASE_MS);
    expect(item!.lastError?.code).toBe("host_unreachable");

    // Not due yet: nothing is sent.
    expect(await first.flush()).toEqual({ sent: [], retrying: [], failed: [] });

    let host: RunningHost | undefined;
    try {
      host = await startHost({ port });
      // A new worker: only IndexedDB carries over.
      const acks: string[] = [];
      const second = outboxFor(db, hostUrl, clock, acks);
      await ensureWallet(db, second, new Date(clock.t));
      expect((await second.pending()).map((i) => i.id)).toEqual([meta.registerMessageId]);
      clock.t += BACKOFF_BASE_MS;
      const up = await second.flush();
      expect(up.sent).toEqual([meta.registerMessageId]);
      expect(acks).toEqual([meta.registerMessageId]);
      expect(await second.pending()).toEqual([]);
      expect((await db.get("outbox", meta.registerMessageId))?.state).toBe("done");
    } finally {
      await host?.close();
    }
  });

  it("enqueueing the same id twice keeps one message", async () => {
    const db = await openWalletDb(`outbox-${Date.now()}-b`);
    const outbox = outboxFor(db, "http://127.0.0.1:1", { t: Date.now() });
    await outbox.enqueue("RegisterOrder", { a: 1 }, "same-id-0123456789");
    await outbox.enqueue("RegisterOrder", { a: 2 }, "same-id-0123456789");
    const pending = await outbox.pending();
    expect(pending).toHaveLength(1);
    expect(pending[0]!.body).toEqual({ a: 1 });
  });

  it("holds other messages until Register Wallet is acknowledged, and stops resending a refused one", async () => {
    const host = await startHost();
    try {
      const db = await openWalletDb(`outbox-${Date.now()}-c`);
      const clock = { t: Date.now() };
      const outbox = outboxFor(db, host.url, clock);
      // Queued before the wallet exists (signer undefined): nothing can be sent yet.
      const bad = await outbox.enqueue("RegisterOrder", {
        orderDigest: "0".repeat(64),
        commitId: "not-a-commit-id",
        vendorId: "v_0",
        amount: { currency: "USD", value: "1" },
      });
      expect(await outbox.flush()).toEqual({ sent: [], retrying: [], failed: [] });
      const meta = await ensureWallet(db, outbox, new Date(clock.t));
      const report = await outbox.flush();
      expect(report.sent).toEqual([meta.registerMessageId]);
      expect(report.failed).toEqual([bad.id]);
      const stored = await db.get("outbox", bad.id);
      expect(stored).toMatchObject({ state: "failed", attempts: 1 });
      expect(stored?.lastError?.code).toBe("invalid_request");
      clock.t += BACKOFF_MAX_MS;
      expect(await outbox.flush()).toEqual({ sent: [], retrying: [], failed: [] });
    } finally {
      await host.close();
    }
  });
});

/** Runs the HostStore contract against the SQLite store, on real files in a temp dir. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { describeStoreContract } from "./contract";
import { expectStillExactlyOnce, T0, upgradeProbe } from "./contract-fixtures";
import { createSqliteStore } from "./sqlite";
import { sqliteMigrations } from "./sqlite-schema";
import type { Outcome } from "./types";

const dir = mkdtempSync(join(tmpdir(), "qp-sqlite-"));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStoreContract("sqlite", async () => createSqliteStore({ path: join(dir, `store-${++n}.db`) }));
// The host's default: the same store committing on a writer thread.
describeStoreContract("sqlite, writer thread", async () =>
  createSqliteStore({ path: join(dir, `store-${++n}.db`), writer: "thread" }),
);

/** What schema 1's store wrote for one registration: its row and its exactly-once record. */
function applyAsSchema1(db: Database.Database, w: ReturnType<typeof upgradeProbe>): Outcome {
  const r = w.effect.registrations[0]!;
  const result = {
    registered: [{ orderDigest: r.orderDigest, side: r.side, recordedAt: w.at, flagged: false }],
  };
  db.prepare(
    `INSERT INTO registrations (order_digest, side, commit_id, vendor_id, currency, micros, endorsement,
       sender, message_id, recorded_at, flagged) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, 0)`,
  ).run(
    r.orderDigest,
    r.side,
    r.commitId,
    r.vendorId,
    r.amount.currency,
    r.amount.micros,
    w.from,
    w.messageId,
    w.at,
  );
  db.prepare(
    "INSERT INTO idempotency (sender, message_id, fingerprint, result, recorded_at) VALUES (?, ?, ?, ?, ?)",
  ).run(w.from, w.messageId, w.fingerprint, JSON.stringify(result), w.at);
  return { status: "applied", result };
}

describe("sqlite store", () => {
  it("runs migrations once and reopens a file with its data and WAL + synchronous=FULL", async () => {
    const path = join(dir, "reopen.db");
    const first = createSqliteStore({ path });
    await first.initMeta("k", "v");
    await first.close();
    const second = createSqliteStore({ path });
    expect(await second.getMeta("k")).toBe("v");
    expect(await second.schemaVersion()).toBe(sqliteMigrations.length);
    expect(second.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(second.db.pragma("synchronous", { simple: true })).toBe(2);
    await second.close();
  });

  it("keeps every exactly-once record through the upgrade that keys them by message id first", async () => {
    const path = join(dir, "upgrade.db");
    // A database as schema 1 left it, with one registration recorded.
    const old = new Database(path);
    old.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
    old.exec(sqliteMigrations[0]!.sql);
    old.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (1, ?)").run(T0);
    const sent = upgradeProbe();
    const first = applyAsSchema1(old, sent);
    old.close();

    const store = createSqliteStore({ path });
    try {
      expect(await store.schemaVersion()).toBe(sqliteMigrations.length);
      const key = (store.db.pragma("table_info(idempotency)") as { name: string; pk: number }[])
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name);
      expect(key).toEqual(["message_id", "sender"]);
      await expectStillExactlyOnce(store, sent, first);
    } finally {
      await store.close();
    }
  });

  it("keeps revokes, settlements and registrations through the upgrade that keys them per broker", async () => {
    const path = join(dir, "upgrade-3.db");
    const old = new Database(path);
    old.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
    for (const m of sqliteMigrations.slice(0, 2)) {
      old.exec(m.sql);
      old.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(m.version, T0);
    }
    const digest = "ab".repeat(32);
    old.exec(`
      INSERT INTO registrations (order_digest, side, commit_id, vendor_id, currency, micros, endorsement,
        sender, message_id, recorded_at, flagged)
        VALUES ('${digest}', 'order', 'c_xxxxxxxxxxxxxxxxxxxx', 'v_1', 'USD', 10000, NULL, 'w_1', 'm1', '${T0}', 0);
      INSERT INTO revokes VALUES ('${digest}', 'c_xxxxxxxxxxxxxxxxxxxx', 'v_1', 'b_1', 'USD', 10000, 'why', 'm2', '${T0}');
      INSERT INTO settlements VALUES ('${digest}', 'v_1', 'b_1', 'c_xxxxxxxxxxxxxxxxxxxx', 'USD', 10000, 'host', '${T0}', '{"a":1}');`);
    old.close();

    const store = createSqliteStore({ path });
    try {
      expect(await store.schemaVersion()).toBe(sqliteMigrations.length);
      const order = await store.getOrder(digest);
      expect(order.registrations).toMatchObject([{ side: "order", from: "w_1" }]);
      expect(order.registrations[0]).not.toHaveProperty("payerSalt");
      expect(order.revokes).toMatchObject([{ brokerId: "b_1", reason: "why", revokedAt: T0 }]);
      expect(order.settlements).toMatchObject([{ brokerId: "b_1", path: "host", approval: { a: 1 } }]);
      const key = (table: string) =>
        (store.db.pragma(`table_info(${table})`) as { name: string; pk: number }[])
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name);
      expect(key("revokes")).toEqual(["order_digest", "broker_id"]);
      expect(key("settlements")).toEqual(["order_digest", "broker_id"]);
      expect(await store.listSettlements()).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});

/** Runs the HostStore contract against the SQLite store, on real files in a temp dir. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { describeStoreContract } from "./contract";
import { expectStillExactlyOnce, T0, upgradeProbe } from "./contract-fixtures";
import { createSqliteStore } from "./sqlite";
import { makeApply } from "./sqlite-apply";
import { makeRows } from "./sqlite-rows";
import { sqliteMigrations } from "./sqlite-schema";

const dir = mkdtempSync(join(tmpdir(), "qp-sqlite-"));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStoreContract("sqlite", async () => createSqliteStore({ path: join(dir, `store-${++n}.db`) }));
// The host's default: the same store committing on a writer thread.
describeStoreContract("sqlite, writer thread", async () =>
  createSqliteStore({ path: join(dir, `store-${++n}.db`), writer: "thread" }),
);

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
    const [first] = makeApply(old, makeRows(old))([sent]);
    old.close();

    const store = createSqliteStore({ path });
    try {
      expect(await store.schemaVersion()).toBe(2);
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
});

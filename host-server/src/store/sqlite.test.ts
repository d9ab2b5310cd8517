/** Runs the HostStore contract against the SQLite store, on real files in a temp dir. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeStoreContract } from "./contract";
import { createSqliteStore } from "./sqlite";

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
    expect(await second.schemaVersion()).toBe(1);
    expect(second.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(second.db.pragma("synchronous", { simple: true })).toBe(2);
    await second.close();
  });
});

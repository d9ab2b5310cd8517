/**
 * The embedded SQLite HostStore (the default): one file, WAL, `synchronous=FULL`, so a COMMIT that
 * returned is on disk. better-sqlite3 is synchronous; `apply` runs a whole batch in one transaction
 * (one fsync), which is what group commit feeds it — on the caller's thread (`writer: "inline"`,
 * the default for tools and tests) or on a writer thread (`writer: "thread"`, what the host uses, so
 * its event loop is not blocked during fsync; see sqlite-writer.ts).
 */
import type Database from "better-sqlite3";
import { makeApply } from "./sqlite-apply";
import { makeRows, toSettlement } from "./sqlite-rows";
import { currentVersion, migrateSqlite } from "./sqlite-schema";
import { openConnection, SqliteWriterThread } from "./sqlite-writer";
import type { HostStore, ListOptions, PlayerKind, PlayerRecord, Write } from "./types";

export interface SqliteStoreOptions {
  /** A file path, or `:memory:` (tests of pure logic only: nothing is durable). */
  path: string;
  /** Where `apply` commits: on this thread (default) or on a writer thread. */
  writer?: "inline" | "thread";
}

export function createSqliteStore(
  options: SqliteStoreOptions,
): HostStore & { readonly db: Database.Database } {
  if (options.writer === "thread" && options.path === ":memory:") {
    throw new Error("a writer thread needs a database file, not :memory:");
  }
  const db = openConnection(options.path);
  migrateSqlite(db);
  const writer = options.writer === "thread" ? new SqliteWriterThread({ path: options.path }) : undefined;

  const rows = makeRows(db);
  // With a writer thread, writes are prepared and applied on its own connection, not this one.
  const applyBatch = writer ? undefined : makeApply(db, rows);
  const q = {
    players: db.prepare(
      "SELECT * FROM players WHERE (@kind IS NULL OR kind = @kind) AND id > @after ORDER BY id LIMIT @limit",
    ),
    digests: db.prepare(
      "SELECT DISTINCT order_digest FROM registrations WHERE order_digest > ? ORDER BY order_digest LIMIT ?",
    ),
    settlements: db.prepare(
      "SELECT * FROM settlements WHERE settled_at >= ? AND settled_at < ? ORDER BY settled_at, order_digest, broker_id",
    ),
    getMeta: db.prepare("SELECT value FROM meta WHERE key = ?"),
    initMeta: db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"),
    count: (sql: string) => db.prepare(sql).pluck(),
  };
  const counters = {
    wallets: q.count("SELECT COUNT(*) FROM players WHERE kind = 'wallet'"),
    vendors: q.count("SELECT COUNT(*) FROM players WHERE kind = 'vendor'"),
    brokers: q.count("SELECT COUNT(*) FROM players WHERE kind = 'broker'"),
    registrations: q.count("SELECT COUNT(*) FROM registrations"),
    orders: q.count("SELECT COUNT(DISTINCT order_digest) FROM registrations"),
    settlements: q.count("SELECT COUNT(*) FROM settlements"),
    revokes: q.count("SELECT COUNT(*) FROM revokes"),
    messages: q.count("SELECT COUNT(*) FROM mail"),
  };

  return {
    kind: "sqlite",
    db,
    async apply(writes: Write[]) {
      return writer ? writer.apply(writes) : applyBatch!.immediate(writes);
    },
    async getPlayer(id) {
      return rows.player(id);
    },
    async findVendorByOrigin(origin) {
      return rows.vendorByOrigin(origin);
    },
    async listPlayers(options: ListOptions & { kind?: PlayerKind } = {}) {
      const found = q.players.all({
        kind: options.kind ?? null,
        after: options.after ?? "",
        limit: options.limit ?? 1000,
      }) as Parameters<typeof rows.toPlayer>[0][];
      return found.map((row): PlayerRecord => rows.toPlayer(row));
    },
    async getOrder(orderDigest) {
      return {
        orderDigest,
        registrations: rows.registrations(orderDigest),
        revokes: rows.revokes(orderDigest),
        settlements: rows.settlements(orderDigest),
      };
    },
    async listOrderDigests(options: ListOptions = {}) {
      return q.digests.pluck().all(options.after ?? "", options.limit ?? 1000) as string[];
    },
    async listSettlements(options = {}) {
      const found = q.settlements.all(options.since ?? "", options.until ?? "\uffff");
      return (found as Record<string, string | number | null>[]).map(toSettlement);
    },
    async fetchMessages(playerId, cursor, limit) {
      const after = cursor === undefined ? 0 : Number.parseInt(cursor, 10);
      return rows.mail(playerId, Number.isSafeInteger(after) ? after : 0, limit);
    },
    async initMeta(key, value) {
      q.initMeta.run(key, value);
      return (q.getMeta.get(key) as { value: string }).value;
    },
    async getMeta(key) {
      return (q.getMeta.get(key) as { value: string } | undefined)?.value;
    },
    async counts() {
      return Object.fromEntries(Object.entries(counters).map(([k, stmt]) => [k, Number(stmt.get())]));
    },
    async schemaVersion() {
      return currentVersion(db);
    },
    async close() {
      await writer?.close();
      if (db.open) db.close();
    },
  };
}

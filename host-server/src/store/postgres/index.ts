/**
 * The PostgreSQL HostStore, for running several host processes on one database. Same behaviour as
 * the SQLite store (same contract suite, same rules): versioned migrations on start under an
 * advisory lock, exactly-once on `(from, id)` by the idempotency primary key inside the effect's
 * transaction, per-order advisory locks for decisions, and group commit of concurrent writes.
 * `startHost({ databaseUrl })` imports this module and calls `createPostgresStore(url)`.
 */
import pg from "pg";
import type { HostStore, ListOptions, PlayerKind, Write } from "../types";
import { applyBatch } from "./apply";
import { GroupCommit, type GroupCommitOptions } from "./group-commit";
import { migratePostgres, schemaVersion } from "./migrations";
import * as rows from "./rows";

export interface PostgresStoreOptions extends GroupCommitOptions {
  /** Connections in this process's pool. Default 10. */
  poolSize?: number;
}

// SQLSTATEs after which the whole transaction is simply run again: nothing of it was committed.
const RETRYABLE = new Set(["40001", "40P01"]);
const MAX_ATTEMPTS = 5;

// bigint columns (micros, cursors) come back as numbers; every value we store is a safe integer.
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as never,
};

export async function createPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<HostStore & { readonly pool: pg.Pool }> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types,
    // Every statement the host runs is a lookup by key or a short scan. Just-in-time compilation pays
    // off only for long analytical queries, and it starts on estimated cost: an estimate inflated by
    // missing statistics compiled a 12 ms lookup for 370 ms. Set on each new connection before the
    // pool hands it out (startup options would be replaced by a DATABASE_URL's own `options`).
    onConnect: async (client) => {
      await client.query("SET jit = off");
    },
  });
  // An idle client's error (e.g. the server restarting) must not crash the host; the next query retries.
  pool.on("error", () => {});
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }

  async function transaction(writes: Write[]) {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query("BEGIN");
        const outcomes = await applyBatch(client, writes);
        await client.query("COMMIT");
        return outcomes;
      } catch (error) {
        try {
          await client.query("ROLLBACK");
        } catch {
          broken = true;
        }
        const code = (error as { code?: string }).code;
        if (!(code && RETRYABLE.has(code)) || attempt >= MAX_ATTEMPTS) throw error;
      } finally {
        client.release(broken);
      }
    }
  }

  const committer = new GroupCommit(transaction, options);
  let closed = false;

  return {
    kind: "postgres",
    pool,
    async apply(writes) {
      if (closed) throw new Error("the PostgreSQL store is closed");
      return committer.submit(writes);
    },
    getPlayer: (id) => rows.getPlayer(pool, id),
    findVendorByOrigin: (origin) => rows.findVendorByOrigin(pool, origin),
    listPlayers: (options: ListOptions & { kind?: PlayerKind } = {}) =>
      rows.listPlayers(pool, { ...options, limit: options.limit ?? 1000 }),
    async getOrder(orderDigest) {
      // One snapshot for the three parts, so the dispute view is consistent.
      const client = await pool.connect();
      try {
        await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        const order = {
          orderDigest,
          registrations: await rows.registrations(client, orderDigest),
          revokes: await rows.revokes(client, orderDigest),
          settlements: await rows.settlements(client, orderDigest),
        };
        await client.query("COMMIT");
        return order;
      } finally {
        client.release();
      }
    },
    async listOrderDigests(options: ListOptions = {}) {
      const { rows: found } = await pool.query<{ order_digest: string }>(
        `SELECT DISTINCT order_digest FROM registrations WHERE order_digest > $1
         ORDER BY order_digest LIMIT $2`,
        [options.after ?? "", options.limit ?? 1000],
      );
      return found.map((r) => r.order_digest);
    },
    async listSettlements(options = {}) {
      const { rows: found } = await pool.query(
        `SELECT * FROM settlements WHERE ($1::text IS NULL OR settled_at >= $1)
           AND ($2::text IS NULL OR settled_at < $2) ORDER BY settled_at, order_digest, broker_id`,
        [options.since ?? null, options.until ?? null],
      );
      return found.map(rows.toSettlement);
    },
    fetchMessages: (playerId, cursor, limit) => rows.fetchMail(pool, playerId, cursor, limit),
    async initMeta(key, value) {
      await pool.query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", [
        key,
        value,
      ]);
      const { rows: found } = await pool.query<{ value: string }>("SELECT value FROM meta WHERE key = $1", [
        key,
      ]);
      return found[0]?.value ?? value;
    },
    async getMeta(key) {
      const { rows: found } = await pool.query<{ value: string }>("SELECT value FROM meta WHERE key = $1", [
        key,
      ]);
      return found[0]?.value;
    },
    async counts() {
      const { rows: found } = await pool.query(`SELECT
        (SELECT count(*) FROM players WHERE kind = 'wallet') AS wallets,
        (SELECT count(*) FROM players WHERE kind = 'vendor') AS vendors,
        (SELECT count(*) FROM players WHERE kind = 'broker') AS brokers,
        (SELECT count(*) FROM registrations) AS registrations,
        (SELECT count(DISTINCT order_digest) FROM registrations) AS orders,
        (SELECT count(*) FROM settlements) AS settlements,
        (SELECT count(*) FROM revokes) AS revokes,
        (SELECT count(*) FROM mail) AS messages`);
      return Object.fromEntries(Object.entries(found[0] ?? {}).map(([k, v]) => [k, Number(v)]));
    },
    schemaVersion: () => schemaVersion(pool),
    async close() {
      if (closed) return;
      closed = true;
      await committer.idle();
      await pool.end();
    },
  };
}

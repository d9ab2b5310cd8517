/** Runs the HostStore contract against the PostgreSQL store, each store in a fresh database of one real cluster. */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeStoreContract } from "../contract";
import {
  expectStillExactlyOnce,
  fakeDigest,
  player,
  reg,
  T0,
  upgradeProbe,
  write,
} from "../contract-fixtures";
import { createPostgresStore } from "./index";
import { postgresMigrations } from "./migrations";
import { EARLIER_REGISTRATIONS } from "./register";
import { startTestCluster, type TestCluster } from "./test-cluster";

let cluster: TestCluster;
let n = 0;
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

/**
 * A fresh, empty schema on the test cluster; returns a URL whose connections use it (a schema is as
 * isolated as a database for the store, and 20× cheaper to create than CREATE DATABASE).
 */
async function freshDatabase(): Promise<string> {
  const name = `store_${process.pid}_${++n}`;
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${name}`);
  } finally {
    await admin.end();
  }
  return `${cluster.url}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
}

describeStoreContract("postgres", async () => createPostgresStore(await freshDatabase()));

describe("postgres store", () => {
  it("runs migrations once when several stores start on one database at the same time", async () => {
    const url = await freshDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => createPostgresStore(url)));
    try {
      for (const store of stores) expect(await store.schemaVersion()).toBe(postgresMigrations.length);
      const { rows } = await stores[0]!.pool.query("SELECT count(*)::int AS n FROM schema_migrations");
      expect(rows[0].n).toBe(postgresMigrations.length);
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it("records a broker's own settlements once and reports the others (Register Settlement)", async () => {
    const store = await createPostgresStore(await freshDatabase());
    try {
      const broker = {
        id: `b_${"1".repeat(32)}`,
        kind: "broker" as const,
        publicKey: `K${"1".repeat(42)}`,
        status: "active" as const,
        registeredAt: "2026-01-01T00:00:00.000Z",
      };
      const vendor = `v_${"2".repeat(32)}`;
      const digests = ["a", "b", "c"].map((c) => c.repeat(64));
      const at = "2026-01-01T00:00:01.000Z";
      await store.apply([
        {
          from: broker.id,
          messageId: "player-000000001",
          fingerprint: "p",
          at,
          effect: { kind: "registerPlayer", player: broker },
        },
      ]);
      // The broker registered commitments for a and b (b for another vendor); nothing for c.
      const commit = (digest: string, vendorId: string, n: number) => ({
        from: broker.id,
        messageId: `commit-00000000${n}`,
        fingerprint: `c${n}`,
        at,
        effect: {
          kind: "register" as const,
          registrations: [
            {
              side: "commit" as const,
              orderDigest: digest,
              commitId: `c_${digest.slice(0, 20)}`,
              vendorId,
              amount: { currency: "USD", micros: 10_000 },
            },
          ],
        },
      });
      await store.apply([commit(digests[0]!, vendor, 1), commit(digests[1]!, `v_${"3".repeat(32)}`, 2)]);
      const settleWrite = (messageId: string) => ({
        from: broker.id,
        messageId,
        fingerprint: messageId,
        at,
        effect: {
          kind: "registerSettlement" as const,
          brokerId: broker.id,
          vendorId: vendor,
          statementId: "st-1",
          orderDigests: [...digests, digests[0]!],
        },
      });
      const [first] = await store.apply([settleWrite("settlement-0000001")]);
      expect(first).toMatchObject({
        status: "applied",
        result: {
          statementId: "st-1",
          recorded: [digests[0], digests[0]],
          alreadySettled: [],
          rejected: [
            { orderDigest: digests[1], code: "mismatch" },
            { orderDigest: digests[2], code: "not_registered" },
          ],
        },
      });
      expect((await store.getOrder(digests[0]!)).settlements).toMatchObject([
        { path: "broker", brokerId: broker.id, vendorId: vendor, approval: { statementId: "st-1" } },
      ]);
      const [again] = await store.apply([settleWrite("settlement-0000002")]);
      expect(again).toMatchObject({ status: "applied", result: { recorded: [digests[0], digests[0]] } });
      expect(await store.listSettlements()).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it("looks earlier registrations up by digest before any ANALYZE, and never compiles them (JIT off)", async () => {
    const store = await createPostgresStore(await freshDatabase());
    try {
      // No statistics, deterministically: the state of a new database or of a bulk load that
      // autovacuum has not caught up with.
      await store.pool.query("ALTER TABLE registrations SET (autovacuum_enabled = false)");
      const ids = { vendor: player("vendor"), broker: player("broker") };
      for (let commit = 0; commit < 20; commit++) {
        const writes = Array.from({ length: 1000 }, () =>
          write(ids.vendor.id, { kind: "register", registrations: [reg("delivery", fakeDigest(), ids)] }),
        );
        await store.apply(writes);
      }
      const client = await store.pool.connect();
      try {
        expect((await client.query("SHOW jit")).rows[0].jit).toBe("off");
        const digests = Array.from({ length: 200 }, () => fakeDigest());
        const plan = async (sql: string) =>
          JSON.stringify(
            (await client.query(`EXPLAIN (FORMAT JSON) ${sql}`, [digests])).rows[0]["QUERY PLAN"],
          );
        // The fixture reproduces the hazard: the plain form scans the whole table…
        expect(
          await plan(
            "SELECT order_digest FROM registrations WHERE order_digest = ANY($1::text[]) ORDER BY seq",
          ),
        ).toContain('"Seq Scan"');
        // …while the store's query probes the digest index.
        const used = await plan(EARLIER_REGISTRATIONS);
        expect(used).not.toContain("Seq Scan");
        expect(used).toContain("registrations_digest");
      } finally {
        client.release();
      }
    } finally {
      await store.close();
    }
  });

  it("keeps every exactly-once record through the upgrade that keys them by message id first", async () => {
    const url = await freshDatabase();
    const sent = upgradeProbe();
    const before = await createPostgresStore(url);
    const [first] = await before.apply([sent]);
    // Back to schema 1's key, as a database from before the upgrade has it.
    await before.pool.query(`
      ALTER TABLE idempotency DROP CONSTRAINT idempotency_pkey;
      ALTER TABLE idempotency ADD PRIMARY KEY (sender, message_id);
      DELETE FROM schema_migrations WHERE version = 2;`);
    await before.close();

    const store = await createPostgresStore(url);
    try {
      expect(await store.schemaVersion()).toBe(postgresMigrations.length);
      const { rows } = await store.pool.query(
        `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
           AND a.attnum = ANY (i.indkey) WHERE i.indrelid = 'idempotency'::regclass AND i.indisprimary
         ORDER BY array_position(i.indkey::int2[], a.attnum)`,
      );
      expect(rows.map((r) => r.attname)).toEqual(["message_id", "sender"]);
      await expectStillExactlyOnce(store, sent, first);
    } finally {
      await store.close();
    }
  });

  it("keeps revokes, settlements and registrations through the upgrade that keys them per broker", async () => {
    const url = await freshDatabase();
    const before = await createPostgresStore(url);
    const digest = "ab".repeat(32);
    // Back to schema 2, as a database from before the upgrade has it, with one order on record.
    await before.pool.query(`
      ALTER TABLE registrations DROP COLUMN payer_salt;
      ALTER TABLE revokes DROP CONSTRAINT revokes_pkey;
      ALTER TABLE revokes ALTER COLUMN broker_id TYPE text;
      ALTER TABLE revokes ADD PRIMARY KEY (order_digest);
      ALTER TABLE settlements DROP CONSTRAINT settlements_pkey;
      ALTER TABLE settlements ALTER COLUMN broker_id TYPE text;
      ALTER TABLE settlements ADD PRIMARY KEY (order_digest);
      DELETE FROM schema_migrations WHERE version = 3;
      INSERT INTO registrations (order_digest, side, commit_id, vendor_id, currency, micros, endorsement,
        sender, message_id, recorded_at, flagged)
        VALUES ('${digest}', 'order', 'c_xxxxxxxxxxxxxxxxxxxx', 'v_1', 'USD', 10000, NULL, 'w_1', 'm1', '${T0}', false);
      INSERT INTO revokes VALUES ('${digest}', 'c_xxxxxxxxxxxxxxxxxxxx', 'v_1', 'b_1', 'USD', 10000, 'why', 'm2', '${T0}');
      INSERT INTO settlements VALUES ('${digest}', 'v_1', 'b_1', 'c_xxxxxxxxxxxxxxxxxxxx', 'USD', 10000, 'host', '${T0}', '{"a":1}');`);
    await before.close();

    const store = await createPostgresStore(url);
    try {
      expect(await store.schemaVersion()).toBe(postgresMigrations.length);
      const order = await store.getOrder(digest);
      expect(order.registrations).toMatchObject([{ side: "order", from: "w_1" }]);
      expect(order.registrations[0]).not.toHaveProperty("payerSalt");
      expect(order.revokes).toMatchObject([{ brokerId: "b_1", reason: "why", revokedAt: T0 }]);
      expect(order.settlements).toMatchObject([{ brokerId: "b_1", path: "host", approval: { a: 1 } }]);
      const key = async (table: string) =>
        (
          await store.pool.query(
            `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
               AND a.attnum = ANY (i.indkey) WHERE i.indrelid = $1::regclass AND i.indisprimary
             ORDER BY array_position(i.indkey::int2[], a.attnum)`,
            [table],
          )
        ).rows.map((r) => r.attname);
      expect(await key("revokes")).toEqual(["order_digest", "broker_id"]);
      expect(await key("settlements")).toEqual(["order_digest", "broker_id"]);
    } finally {
      await store.close();
    }
  });
});

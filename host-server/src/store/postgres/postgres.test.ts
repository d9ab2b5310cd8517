/** Runs the HostStore contract against the PostgreSQL store, each store in a fresh database of one real cluster. */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeStoreContract } from "../contract";
import { createPostgresStore } from "./index";
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
      for (const store of stores) expect(await store.schemaVersion()).toBe(1);
      const { rows } = await stores[0]!.pool.query("SELECT count(*)::int AS n FROM schema_migrations");
      expect(rows[0].n).toBe(1);
    } finally {
      for (const store of stores) await store.close();
    }
  });
});

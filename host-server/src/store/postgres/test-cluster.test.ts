import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCluster, type TestCluster } from "./test-cluster";

describe("startTestCluster", () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("serves the quickpay database on loopback with fsync on", async () => {
    expect(cluster.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/quickpay$/);
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        "select current_database() as db, current_setting('fsync') as fsync",
      );
      expect(rows[0]).toEqual({ db: "quickpay", fsync: "on" });
    } finally {
      await client.end();
    }
  });
});

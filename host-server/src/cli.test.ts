/** The operator CLI against a real SQLite file, in-process and once through the real bin script. */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "./cli";
import { sqliteMigrations } from "./store/sqlite-schema";
import { endorsed, envelope, makePlayer, post, startTestHost } from "./test-kit";

const dir = mkdtempSync(join(tmpdir(), "qp-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("quickpay-host CLI", () => {
  const db = join(dir, "host.db");

  it("inits a store, adds, lists and suspends a broker", async () => {
    const init = await run("init", "--db", db);
    expect(init.code).toBe(0);
    expect(init.out).toMatch(
      new RegExp(`store sqlite at schema version ${sqliteMigrations.length}; host h_[0-9a-f]{32}`),
    );
    expect((await run("init", "--db", db)).out).toBe(init.out);
    const broker = makePlayer("broker");
    const added = await run(
      "add-broker",
      "--db",
      db,
      "--name",
      "Bank",
      "--endpoint",
      "http://127.0.0.1:9/",
      "--public-key",
      broker.publicKey,
    );
    expect(added).toMatchObject({ code: 0, out: broker.id });
    expect((await run("list-brokers", "--db", db)).out).toBe(
      `${broker.id}\tactive\tBank\thttp://127.0.0.1:9/`,
    );
    expect((await run("suspend-broker", broker.id, "--db", db)).out).toBe(`${broker.id} suspended`);
    expect((await run("list-brokers", "--db", db)).out).toContain("suspended");
  });

  it("fails clearly on bad input", async () => {
    expect(await run("add-broker", "--db", db, "--name", "Bank")).toMatchObject({
      code: 2,
      err: expect.stringContaining("--public-key"),
    });
    expect(await run("frobnicate", "--db", db)).toMatchObject({
      code: 2,
      err: expect.stringContaining("unknown command"),
    });
    expect(await run("suspend", makePlayer("broker").id, "--db", db)).toMatchObject({
      code: 2,
      err: expect.stringContaining("unknown_player"),
    });
    expect(await run("show-order", "xyz", "--db", db)).toMatchObject({ code: 2 });
    expect(await run("--bogus")).toMatchObject({ code: 2 });
  });

  it("shows an order, reports settlements and exports from a host's database", async () => {
    const hostDb = join(dir, "served.db");
    const t = await startTestHost({ dbPath: hostDb });
    const o = await endorsed(t.broker, t.vendor.id, "1.50");
    await post(
      `${t.host.url}/v1/register-commit`,
      await envelope(t.broker, "RegisterCommit", { endorsement: o.endorsement }),
    );
    await post(`${t.host.url}/v1/register-delivery`, await envelope(t.vendor, "RegisterDelivery", o.facts));
    const settled = await post(
      `${t.host.url}/v1/settle-with-host`,
      await envelope(t.vendor, "SettleWithHost", { orders: [{ orderDigest: o.orderDigest }] }),
    );
    expect(settled.json.results[0].status).toBe("approved");
    const shown = await run("show-order", o.orderDigest, "--db", hostDb);
    expect(JSON.parse(shown.out)).toMatchObject({
      orderDigest: o.orderDigest,
      settlements: [{ path: "host", amount: { value: "1.50" } }],
    });
    const report = await run("settlement-report", "--db", hostDb);
    expect(report.out.split("\n")[1]).toBe(`${t.broker.id}\t${t.vendor.id}\tUSD\t1\t1.50`);
    expect((await run("list-vendors", "--db", hostDb)).out).toContain(t.vendor.id);
    expect((await run("list-wallets", "--db", hostDb)).out).toContain(t.wallet.id);
    const out = join(dir, "export.json");
    expect((await run("export", "--db", hostDb, "--out", out)).code).toBe(0);
    const dump = JSON.parse(readFileSync(out, "utf8"));
    expect(dump.players.length).toBeGreaterThanOrEqual(3);
    expect(dump.orders[0].orderDigest).toBe(o.orderDigest);
    expect(dump.settlements).toHaveLength(1);
    await t.host.close();
  });

  it("runs as the quickpay-host bin", async () => {
    const bin = join(import.meta.dirname, "..", "bin", "quickpay-host.mjs");
    const { stdout } = await promisify(execFile)(process.execPath, [
      bin,
      "init",
      "--db",
      join(dir, "bin.db"),
    ]);
    expect(stdout).toMatch(/host h_[0-9a-f]{32}/);
  });
});

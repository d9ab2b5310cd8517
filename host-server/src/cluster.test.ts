/**
 * HOST_WORKERS=2: two host processes on one port and one SQLite file, as `main.ts` runs them. Requests
 * on separate connections are spread over the workers; each registration is recorded once, resends get the
 * stored reply, both workers accept the one operator token, and SIGTERM stops the whole host.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { newId, signEnvelope } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedProofServer } from "./proof-server";
import { createSqliteStore } from "./store/sqlite";
import { makePlayer } from "./test-kit";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "qp-cluster-"));
const dbPath = join(dir, "host.db");
let child: ChildProcess;
let url: string;
let token: string;

/** One request on a fresh connection, so the primary hands connections to both workers. */
function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<{ status: number; json: { [k: string]: unknown } }>((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method,
        agent: false,
        headers: { ...headers, ...(text ? { "content-type": "application/json" } : {}) },
      },
      (res) => {
        let data = "";
        res.on("data", (c) => {
          data += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(data) }));
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

beforeAll(async () => {
  child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: {
      ...process.env,
      HOST_DB: dbPath,
      HOST_PORT: "0",
      HOST_WORKERS: "2",
      LOG_LEVEL: "warn",
      // The test's vendor proves a loopback origin (the shared proof server).
      HOST_LOOPBACK_VENDORS: "on",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr?.on("data", (c) => {
    err += c;
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (c) => {
      out += c;
      const listening = /listening on (http:\/\/\S+)/.exec(out);
      const operator = /operator token: (\S+)/.exec(out);
      if (listening?.[1] && operator?.[1]) {
        url = listening[1];
        token = operator[1];
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`host exited ${code}: ${err}`)));
  });
}, 60_000);

afterAll(() => {
  if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("HOST_WORKERS=2 on one SQLite file", () => {
  it("records each registration once across workers and answers resends with the stored reply", async () => {
    const vendor = makePlayer("vendor");
    const signer = { playerId: vendor.id, privateKey: vendor.privateKey };
    const origin = (await sharedProofServer()).originFor(vendor.publicKey);
    const registered = await send(
      "POST",
      "/v1/register-vendor",
      await signEnvelope(signer, "RegisterVendor", {
        publicKey: vendor.publicKey,
        name: "Cluster Shop",
        origins: [origin],
        endpoint: `${origin}/quickpay`,
      }),
    );
    expect(registered).toMatchObject({ status: 200, json: { vendorId: vendor.id } });
    const envelopes = await Promise.all(
      Array.from({ length: 20 }, async (_, i) =>
        signEnvelope(signer, "RegisterDelivery", {
          orderDigest: i.toString(16).padStart(64, "0"),
          commitId: `c_${newId()}`,
          vendorId: vendor.id,
          amount: { currency: "USD", value: "0.01" },
        }),
      ),
    );
    // Every envelope twice at once, each on its own connection (the primary deals connections round robin).
    const replies = await Promise.all(
      [...envelopes, ...envelopes].map((e) => send("POST", "/v1/register-delivery", e)),
    );
    expect(replies.every((r) => r.status === 200)).toBe(true);
    for (let i = 0; i < envelopes.length; i++) expect(replies[i + envelopes.length]).toEqual(replies[i]);
    // Both workers accept the primary's operator token.
    for (let i = 0; i < 4; i++) {
      const listed = await send("GET", "/v1/admin/players?kind=vendor", undefined, {
        authorization: `Bearer ${token}`,
      });
      expect(listed.status).toBe(200);
    }
    const store = createSqliteStore({ path: dbPath });
    expect((await store.counts()).registrations).toBe(envelopes.length);
    await store.close();
  });

  it("stops every worker on SIGTERM", async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});

/**
 * Scale-out as deployed: three host processes (`tsx host-server/src/main.ts` with DATABASE_URL) on
 * one PostgreSQL receive the same registrations at the same time — every envelope sent to every
 * host, some ids also with an altered body. No registration may be lost or recorded twice, and each
 * id's answers must be identical wherever they were served.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { type Envelope, generateKeyPair, newId, playerIdFor, signEnvelope } from "@quickpay/protocol";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedProofServer } from "../../proof-server";
import { startTestCluster, type TestCluster } from "./test-cluster";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const HOSTS = 3;
const VENDORS = 6;
const REGISTRATIONS = 240;

let cluster: TestCluster;
const hosts: { child: ChildProcess; url: string }[] = [];

function startHostProcess(url: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      HOST_PORT: "0",
      LOG_LEVEL: "warn",
      OPERATOR_TOKEN: "multi-host-operator-token",
      // The test's vendors prove loopback origins (the shared proof server).
      HOST_LOOPBACK_VENDORS: "on",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr?.on("data", (c) => {
    err += c;
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve({ child, url: m[1] });
    });
    child.once("exit", (code) => reject(new Error(`host exited ${code}: ${err}`)));
  });
}

async function post(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

/** Runs `tasks` with at most `limit` in flight. */
async function pooled<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await (tasks[i] as () => Promise<T>)();
      }
    }),
  );
  return out;
}

beforeAll(async () => {
  cluster = await startTestCluster();
  // Started together: they also race on the migrations.
  hosts.push(...(await Promise.all(Array.from({ length: HOSTS }, () => startHostProcess(cluster.url)))));
}, 90_000);

afterAll(async () => {
  await Promise.all(
    hosts.map(
      (h) =>
        new Promise<void>((resolve) => {
          if (h.child.exitCode !== null) return resolve();
          h.child.once("exit", () => resolve());
          h.child.kill("SIGTERM");
        }),
    ),
  );
  await cluster?.stop();
});

describe("several host processes on one PostgreSQL", () => {
  it("records each registration exactly once when every host receives all of them at once", async () => {
    const vendors = await Promise.all(
      Array.from({ length: VENDORS }, async (_, i) => {
        const keys = generateKeyPair();
        const signer = { playerId: playerIdFor("vendor", keys.publicKey), privateKey: keys.privateKey };
        const origin = (await sharedProofServer()).originFor(keys.publicKey);
        const envelope = await signEnvelope(signer, "RegisterVendor", {
          publicKey: keys.publicKey,
          name: `Shop ${i}`,
          origins: [origin],
          endpoint: `${origin}/quickpay`,
        });
        // Registered through one host; the others find it in the shared directory.
        expect((await post(`${hosts[i % HOSTS]!.url}/v1/register-vendor`, envelope)).status).toBe(200);
        return signer;
      }),
    );

    const originals: Envelope[] = [];
    const altered: Envelope[] = [];
    for (let n = 0; n < REGISTRATIONS; n++) {
      const vendor = vendors[n % VENDORS]!;
      const facts = {
        orderDigest: randomBytes(32).toString("hex"),
        commitId: `c_${newId()}`,
        vendorId: vendor.playerId,
        amount: { currency: "USD", value: "0.01" },
      };
      const id = newId();
      originals.push(await signEnvelope(vendor, "RegisterDelivery", facts, { id }));
      if (n % 10 === 0) {
        altered.push(
          await signEnvelope(
            vendor,
            "RegisterDelivery",
            { ...facts, amount: { currency: "USD", value: "0.02" } },
            { id },
          ),
        );
      }
    }

    // Every host gets every original (in its own order); host 0 also gets the altered bodies.
    const sends = hosts.flatMap((h, i) =>
      [...originals, ...(i === 0 ? altered : [])]
        .map((e) => ({ host: h.url, envelope: e }))
        .sort(() => Math.random() - 0.5),
    );
    const replies = await pooled(
      sends.map((s) => async () => ({
        ...s,
        reply: await post(`${s.host}/v1/register-delivery`, s.envelope),
      })),
      24,
    );

    const byId = new Map<string, typeof replies>();
    for (const r of replies) {
      expect([200, 409]).toContain(r.reply.status);
      if (r.reply.status === 409) expect(JSON.parse(r.reply.text).error.code).toBe("conflict");
      byId.set(r.envelope.id, [...(byId.get(r.envelope.id) ?? []), r]);
    }
    for (const list of byId.values()) {
      const ok = list.filter((r) => r.reply.status === 200);
      expect(ok.length).toBeGreaterThan(0);
      // One body won; every host answers it with the same stored reply.
      expect(new Set(ok.map((r) => JSON.stringify(r.envelope.body))).size).toBe(1);
      expect(new Set(ok.map((r) => r.reply.text)).size).toBe(1);
    }

    const db = new pg.Client({ connectionString: cluster.url });
    await db.connect();
    try {
      const { rows } = await db.query(
        "SELECT count(*)::int AS n, count(DISTINCT (sender, message_id))::int AS ids FROM registrations",
      );
      expect(rows[0]).toEqual({ n: REGISTRATIONS, ids: REGISTRATIONS });
    } finally {
      await db.end();
    }
    // Any host shows any order: the directory and the records are shared.
    const sample = originals[7]!;
    const status = await fetch(
      `${hosts[2]!.url}/v1/orders/${(sample.body as { orderDigest: string }).orderDigest}`,
    );
    expect((await status.json()).delivery.messageId).toBe(sample.id);
  }, 90_000);
});

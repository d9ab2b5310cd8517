/**
 * The lean path (lean-routes.ts) answers exactly as the fastify route it stands in front of. Each
 * request goes both ways over real HTTP: plainly (lean) and with a chunked body, which the lean path
 * declines so fastify serves it. Replies must match byte for byte: status, code, message, issues,
 * and a resend's stored reply.
 */
import { request } from "node:http";
import { messages, newId } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endorsed, envelope, get, makePlayer, post, type Reply, startTestHost } from "./test-kit";

let t: Awaited<ReturnType<typeof startTestHost>>;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(async () => t.host.close());

/** The same POST with a chunked body (no content-length): only fastify takes those. */
function postChunked(url: string, body: string): Promise<Reply & { text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, json: JSON.parse(text), headers: new Headers(), text });
      });
    });
    req.on("error", reject);
    expect(req.getHeader("content-length")).toBeUndefined();
    req.write(body.slice(0, 5));
    req.end(body.slice(5));
  });
}

async function leanServed(): Promise<number> {
  const metrics = (await get(`${t.host.url}/v1/metrics`)).json as string;
  return Number(/^quickpay_lean_requests_total (\d+)$/m.exec(metrics)?.[1]);
}

/** Sends `body` both ways; both replies must be the same. Returns the lean one. */
async function bothWays(path: string, body: string): Promise<Reply> {
  const before = await leanServed();
  const lean = await post(`${t.host.url}${path}`, body);
  expect(await leanServed(), "the plain request took the lean path").toBe(before + 1);
  const viaFastify = await postChunked(`${t.host.url}${path}`, body);
  expect(await leanServed(), "the chunked one did not").toBe(before + 1);
  expect({ status: lean.status, json: lean.json }).toEqual({
    status: viaFastify.status,
    json: viaFastify.json,
  });
  expect(lean.headers.get("content-type")).toBe("application/json; charset=utf-8");
  return lean;
}

describe("the lean path answers as fastify does", () => {
  const delivery = messages.RegisterDelivery.path;

  it("refuses bad JSON, poisoned JSON and bodies that fail the schema with the same errors", async () => {
    for (const body of ["{bad json", '{"__proto__":{"polluted":true}}', "[]", "null", "42"]) {
      const reply = await bothWays(delivery, body);
      expect(reply.status, body).toBe(400);
      expect(reply.json.error.code, body).toBe("invalid_request");
    }
    const wrongTypes = await envelope(t.vendor, "RegisterDelivery", { orderDigest: 1, amount: "free" });
    const reply = await bothWays(delivery, JSON.stringify(wrongTypes));
    expect(reply.json.error.details.issues.length).toBeGreaterThan(1);
    // Another message's envelope on this path fails the type literal.
    const { facts } = await endorsed(t.broker, t.vendor.id);
    const misrouted = await envelope(t.wallet, "RegisterOrder", facts);
    expect((await bothWays(delivery, JSON.stringify(misrouted))).json.error.code).toBe("invalid_request");
  });

  it("refuses unknown senders, bad signatures, stale messages and other vendors' deliveries alike", async () => {
    const { facts } = await endorsed(t.broker, t.vendor.id);
    const stranger = makePlayer("vendor");
    const unknown = await envelope(stranger, "RegisterDelivery", { ...facts, vendorId: stranger.id });
    expect((await bothWays(delivery, JSON.stringify(unknown))).json.error.code).toBe("unknown_player");

    const tampered = await envelope(t.vendor, "RegisterDelivery", facts);
    tampered.body = { ...facts, amount: { currency: "USD", value: "9.99" } };
    expect((await bothWays(delivery, JSON.stringify(tampered))).json.error.code).toBe("bad_signature");

    const stale = await envelope(t.vendor, "RegisterDelivery", facts, {
      at: new Date(Date.now() - 3_600_000),
    });
    expect((await bothWays(delivery, JSON.stringify(stale))).json.error.code).toBe("stale_message");

    const others = await envelope(t.vendor, "RegisterDelivery", { ...facts, vendorId: stranger.id });
    expect((await bothWays(delivery, JSON.stringify(others))).json.error.code).toBe("forbidden");
  });

  it("records once: a resend either way gets the stored reply, another body the same conflict", async () => {
    const { facts, orderDigest } = await endorsed(t.broker, t.vendor.id);
    const first = await envelope(t.vendor, "RegisterDelivery", facts);
    const recorded = await bothWays(delivery, JSON.stringify(first));
    expect(recorded.status).toBe(200);
    expect(recorded.json.orderDigest).toBe(orderDigest);
    const altered = await envelope(
      t.vendor,
      "RegisterDelivery",
      { ...facts, commitId: `c_${newId()}` },
      {
        id: first.id,
      },
    );
    const conflict = await bothWays(delivery, JSON.stringify(altered));
    expect(conflict.status).toBe(409);
    expect(conflict.json.error.code).toBe("conflict");
    const order = await get(`${t.host.url}/v1/orders/${orderDigest}`);
    expect(order.json.delivery).toMatchObject({ commitId: facts.commitId, messageId: first.id });
  });

  it("serves routes that read the client's address (Register Wallet's per-IP budget)", async () => {
    const wallet = makePlayer("wallet");
    const registration = await envelope(wallet, "RegisterWallet", { publicKey: wallet.publicKey });
    const reply = await bothWays(messages.RegisterWallet.path, JSON.stringify(registration));
    expect(reply).toMatchObject({ status: 200, json: { walletId: wallet.id } });
  });

  it("leaves other content types, empty and oversized bodies, and other methods to fastify", async () => {
    const before = await leanServed();
    const url = `${t.host.url}${delivery}`;
    const xml = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/xml" },
      body: "<a/>",
    });
    expect(xml.status).toBe(415);
    const text = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    expect(text.status).toBe(400);
    expect((await post(url, "")).status).toBe(400);
    expect((await post(url, "x".repeat(3 * 1024 * 1024))).json.error.code).toBe("payload_too_large");
    expect((await get(url)).status).toBe(404);
    expect((await post(`${url}?x=1`, "{}")).json.error.code).toBe("invalid_request");
    expect(await leanServed()).toBe(before);
  });
});

describe("with the lean path off", () => {
  it("fastify serves every request", async () => {
    const off = await startTestHost({ leanRoutes: false });
    try {
      const { facts } = await endorsed(off.broker, off.vendor.id);
      const reply = await post(
        `${off.host.url}${messages.RegisterDelivery.path}`,
        await envelope(off.vendor, "RegisterDelivery", facts),
      );
      expect(reply.status).toBe(200);
      const metrics = (await get(`${off.host.url}/v1/metrics`)).json as string;
      expect(metrics).toMatch(/^quickpay_lean_requests_total 0$/m);
    } finally {
      await off.host.close();
    }
  });
});

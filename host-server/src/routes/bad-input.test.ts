/** Every host route answers malformed input with a stable error code and a 4xx, never a 5xx. */
import { isErrorCode, type MessageSpec, messages } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envelope, get, post, startTestHost } from "../test-kit";

let t: Awaited<ReturnType<typeof startTestHost>>;
beforeAll(async () => {
  t = await startTestHost({ bodyLimit: 256 * 1024 });
});
afterAll(async () => t.host.close());

const hostMessages = Object.values(messages as Record<string, MessageSpec>).filter((m) => m.to === "host");

const garbage: (string | unknown)[] = [
  "",
  "null",
  "[]",
  "{}",
  "42",
  '"text"',
  "{bad json",
  `{"a":${"[".repeat(5000)}${"]".repeat(5000)}}`,
  { type: "X", id: "short", from: "nobody", at: "yesterday", body: {}, sig: "x" },
  { __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } },
];

function expectClientError(reply: { status: number; json: unknown }, what: string) {
  expect(reply.status, what).toBeGreaterThanOrEqual(400);
  expect(reply.status, what).toBeLessThan(500);
  const code = (reply.json as { error?: { code?: unknown } })?.error?.code;
  expect(isErrorCode(code), `${what}: ${JSON.stringify(reply.json)}`).toBe(true);
}

describe("bad input never reaches a 5xx", () => {
  it.each(hostMessages.map((m) => [m.type, m] as const))("%s", async (_type, spec) => {
    const url = `${t.host.url}${spec.path}`;
    const headers = spec.auth === "operator" ? t.operator : {};
    for (const body of garbage)
      expectClientError(await post(url, body, headers), `${spec.type} ${String(body).slice(0, 30)}`);
    // A well-signed envelope whose body has every field of the wrong type.
    const wrongBody = await envelope(t.wallet, spec.type, {
      orderDigest: 1,
      endorsement: [],
      to: "x",
      orders: {},
    });
    expectClientError(await post(url, wrongBody, headers), `${spec.type} wrong body`);
    expectClientError(await post(url, "x".repeat(300 * 1024), headers), `${spec.type} oversized`);
  });

  it("GET routes with hostile parameters", async () => {
    for (const path of [
      "/v1/directory/%00",
      "/v1/directory/../../etc/passwd",
      `/v1/directory?origin=${"x".repeat(5000)}`,
      "/v1/directory?origin=",
      "/v1/orders/%ZZ",
      `/v1/orders/${"a".repeat(64)}?x=${"y".repeat(1000)}`,
    ]) {
      const reply = await get(`${t.host.url}${path}`);
      if (reply.status !== 200) expectClientError(reply, path);
    }
  });
});

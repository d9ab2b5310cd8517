/**
 * Inputs below the routes (issue 12): keys whose base64url carries spare bits or names a small-order
 * point, requests node's HTTP parser cannot read, JSON that repeats a key, and chunked bodies past the
 * limit. Each gets a 4xx in `{ error: { code, message } }` and changes nothing, on the lean path and
 * on fastify's.
 */
import { base64url, generateKeyPair, messages, signEnvelope } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  exchange,
  expectParserRefusal,
  parserErrorCases,
  uploadChunked,
} from "../../scripts/testing/raw-http";
import { endorsed, envelope, get, post, startTestHost } from "./test-kit";

const BODY_LIMIT = 256 * 1024;
let t: Awaited<ReturnType<typeof startTestHost>>;
beforeAll(async () => {
  t = await startTestHost({ bodyLimit: BODY_LIMIT });
});
afterAll(async () => t.host.close());

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** The same 43 characters but the last one's spare bits set: what base64url.decode throws on. */
function withSpareBits(key: string): string {
  return `${key.slice(0, 42)}${ALPHABET[ALPHABET.indexOf(key[42]!) + 1]}`;
}
const IDENTITY_KEY = base64url.encode(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0)));

/** Register Wallet and Register Vendor signed by some key, naming `publicKey` (the schema decides first). */
async function registrations(publicKey: string) {
  const signer = { playerId: `w_${"0".repeat(32)}`, privateKey: generateKeyPair().privateKey };
  return [
    [messages.RegisterWallet.path, await signEnvelope(signer, "RegisterWallet", { publicKey }), {}],
    [
      messages.RegisterVendor.path,
      await signEnvelope({ ...signer, playerId: `v_${"0".repeat(32)}` }, "RegisterVendor", {
        publicKey,
        name: "Shop",
        origins: ["http://127.0.0.1:9"],
        endpoint: "http://127.0.0.1:9/quickpay",
      }),
      {},
    ],
    [messages.AddBroker.path, { publicKey, name: "Bank", endpoint: "http://127.0.0.1:9/bank" }, t.operator],
  ] as const;
}

describe("public keys are refused in the schema unless canonical and not of small order", () => {
  it("a key with spare bits set is invalid_request (it was a 500 from the decoder)", async () => {
    const key = withSpareBits(generateKeyPair().publicKey);
    expect(() => base64url.decode(key)).toThrow();
    for (const [path, body, headers] of await registrations(key)) {
      const reply = await post(`${t.host.url}${path}`, body, headers);
      expect({ path, status: reply.status, code: reply.json.error?.code }).toEqual({
        path,
        status: 400,
        code: "invalid_request",
      });
    }
  });

  it("the identity key and the other small-order keys are refused at every registration", async () => {
    const smallOrder = [IDENTITY_KEY, base64url.encode(new Uint8Array(32))];
    for (const key of smallOrder) {
      for (const [path, body, headers] of await registrations(key)) {
        const reply = await post(`${t.host.url}${path}`, body, headers);
        expect({ path, key, status: reply.status, code: reply.json.error?.code }).toEqual({
          path,
          key,
          status: 400,
          code: "invalid_request",
        });
      }
    }
    // Nothing was admitted: the broker id the identity key would have had is unknown.
    const { playerIdFor } = await import("@quickpay/protocol");
    expect((await get(`${t.host.url}/v1/directory/${playerIdFor("broker", IDENTITY_KEY)}`)).status).toBe(404);
  });
});

describe("requests node's HTTP parser cannot read get the project's error shape and a closed connection", () => {
  const health = `GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n`;
  const cases = parserErrorCases(messages.RegisterWallet.path);
  it.each(cases)("%s, on a keep-alive connection", async (_what, bad, status) => {
    // A good request first, so the connection is a live keep-alive one when the bad request comes.
    expectParserRefusal(await exchange(t.host.url, [health, bad, health]), status);
  });
});

describe("a URL fastify cannot decode", () => {
  it("a broken percent-escape in a path parameter is invalid_request in the project's shape", async () => {
    const reply = await get(`${t.host.url}/v1/directory/%E0%A4%A`);
    expect(reply.status).toBe(400);
    expect(Object.keys(reply.json)).toEqual(["error"]);
    expect(reply.json.error.code).toBe("invalid_request");
  });
});

describe("JSON that repeats a key is refused, so a signer and a verifier cannot read two values", () => {
  /** A signed Register Delivery whose text then repeats a body key (equal value, so the signature holds). */
  async function repeated() {
    const { facts } = await endorsed(t.broker, t.vendor.id);
    const signed = await envelope(t.vendor, "RegisterDelivery", facts);
    const text = JSON.stringify(signed);
    return {
      signed,
      text: text.replace(
        `"orderDigest":"${facts.orderDigest}"`,
        `"orderDigest":"${facts.orderDigest}","orderDigest":"${facts.orderDigest}"`,
      ),
      digest: facts.orderDigest,
    };
  }

  it("on the lean path (a plain POST) and on fastify's (the same text, chunked)", async () => {
    const url = `${t.host.url}${messages.RegisterDelivery.path}`;
    const plain = await repeated();
    expect(plain.text).not.toBe(JSON.stringify(plain.signed));
    const lean = await post(url, plain.text);
    expect(lean.status).toBe(400);
    expect(lean.json.error).toMatchObject({
      code: "invalid_request",
      message: expect.stringMatching(/repeats the key "orderDigest"/),
    });

    const chunked = await repeated();
    const { responses } = await exchange(t.host.url, [
      `POST ${messages.RegisterDelivery.path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(chunked.text).toString(16)}\r\n${chunked.text}\r\n0\r\n\r\n`,
    ]);
    expect(responses[0]!.status).toBe(400);
    expect(JSON.parse(responses[0]!.body).error.code).toBe("invalid_request");

    // Nothing was registered for either order.
    for (const digest of [plain.digest, chunked.digest]) {
      expect((await get(`${t.host.url}/v1/orders/${digest}`)).json.delivery).toBeNull();
    }
    // The same envelope written once is accepted.
    expect((await post(url, plain.signed)).status).toBe(200);
  });
});

describe("a chunked body past the limit", () => {
  it("is answered 413 payload_too_large and the connection is closed, whatever the client still sends", async () => {
    const upload = await uploadChunked(t.host.url, messages.RegisterDelivery.path, 64 * 1024 * 1024);
    expect(upload.response?.status).toBe(413);
    expect(JSON.parse(upload.response!.body).error.code).toBe("payload_too_large");
    expect(upload.response!.headers.connection).toBe("close");
    // fastify stopped reading at the limit: the client got out what the socket buffers hold.
    expect(upload.bytesSent).toBeLessThan((64 * 1024 * 1024) / 4);
  });
});

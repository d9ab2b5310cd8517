/**
 * Inputs below the vendor handlers (issue 12): bodies past the limit (chunked, with no
 * Content-Length), JSON that repeats a key, and requests node's HTTP parser cannot read. The handlers
 * run over real HTTP on @hono/node-server, as the demo shop serves them.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type RunningHost, startHost } from "@quickpay/host-server";
import { generateKeyPair, playerIdFor, QuickPayError } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  exchange,
  expectParserRefusal,
  parserErrorCases,
  uploadChunked,
} from "../../../scripts/testing/raw-http";
import { type RunningShop, startDemoShop } from "../demo-shop/shop";
import { deadUrl, postJson, type Served, serveFetch } from "../test-support/serve";
import { createVendorHandlers, type VendorHandlers } from "./handlers";
import { MAX_BODY_BYTES, readText } from "./http";

const vendor = generateKeyPair();
let handlers: VendorHandlers;
let served: Served;
let getOrder: string;

beforeAll(async () => {
  handlers = createVendorHandlers({
    vendorId: playerIdFor("vendor", vendor.publicKey),
    privateKey: vendor.privateKey,
    hostUrl: await deadUrl(),
    catalog: {
      async get(id: string) {
        return id === "article-1"
          ? { id, description: "Article one", amount: { currency: "USD", value: "0.01" } }
          : undefined;
      },
    },
    deliver: async () => ({ mediaType: "text/plain", body: "never" }),
    outboxTimer: false,
  });
  served = await serveFetch(
    async (req) => (await handlers.handle(req)) ?? new Response("nope", { status: 404 }),
  );
  getOrder = `${served.url}/shop/quickpay/v1/get-order`;
});
afterAll(async () => {
  await handlers?.close();
  await served?.close();
});

/** A 16 MiB body stream, counting what was pulled from it and whether it was cancelled. */
function longBody(chunkBytes: number) {
  const seen = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (seen.pulled >= 16 * 1024 * 1024) return controller.close();
      seen.pulled += chunkBytes;
      controller.enqueue(new Uint8Array(chunkBytes).fill(0x5b));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

describe("a body past the limit is cut where the limit is", () => {
  it("readText stops pulling a long stream one chunk past the limit and cancels it", async () => {
    const { stream, seen } = longBody(4096);
    const req = new Request("http://shop.test/", {
      method: "POST",
      body: stream,
      duplex: "half",
    } as RequestInit);
    const refusal = await readText(req, MAX_BODY_BYTES).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(QuickPayError);
    expect((refusal as QuickPayError).code).toBe("payload_too_large");
    // The stream's own queue may hold a chunk or two ahead of the reader; nothing more was asked for.
    expect(seen.pulled).toBeLessThanOrEqual(MAX_BODY_BYTES + 3 * 4096);
    expect(seen.cancelled).toBe(true);
  });

  it("a 128 MiB chunked POST is answered 413 with Connection: close before the client is a quarter through", async () => {
    const total = 128 * 1024 * 1024;
    global.gc?.();
    const before = process.memoryUsage().rss;
    const upload = await uploadChunked(served.url, "/shop/quickpay/v1/get-order", total);
    const growth = process.memoryUsage().rss - before;
    // Reading stopped at 64 KiB: the client got out what the socket buffers hold, no more.
    expect(upload.bytesSent).toBeLessThan(total / 4);
    // Reading the body whole (as before) grew the process by more than the body itself.
    expect(growth).toBeLessThan(total / 4);
    expect(upload.response?.status).toBe(413);
    expect(JSON.parse(upload.response!.body).error.code).toBe("payload_too_large");
    expect(upload.response!.headers.connection).toBe("close");
  });

  it("a body that declares too much is refused before reading, with Connection: close", async () => {
    // The second request would be read as the rest of the first body were the connection kept.
    const { responses, closed } = await exchange(served.url, [
      `POST /shop/quickpay/v1/get-order HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n{`,
      "GET /shop/quickpay/v1/get-order HTTP/1.1\r\nHost: x\r\n\r\n",
    ]);
    expect(responses.map((r) => r.status)).toEqual([413]);
    expect(responses[0]?.headers.connection).toBe("close");
    expect(closed).toBe(true);
  });
});

describe("JSON that repeats a key is refused", () => {
  it("a get-order body naming its item twice is invalid_request, naming the key", async () => {
    const reply = await postJson(getOrder, '{"itemId":"article-1","itemId":"article-2"}');
    expect(reply.status).toBe(400);
    expect(reply.json.error).toEqual({
      code: "invalid_request",
      message: 'JSON repeats the key "itemId" in body',
    });
    // Written once, the same body is an order.
    expect((await postJson(getOrder, '{"itemId":"article-1"}')).status).toBe(200);
  });
});

describe("requests node's HTTP parser cannot read get the project's error shape and a closed connection", () => {
  const good = `POST /shop/quickpay/v1/get-order HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 22\r\n\r\n{"itemId":"article-1"}`;
  it.each(parserErrorCases("/shop/quickpay/v1/get-order"))(
    "%s, on a keep-alive connection",
    async (_what, bad, status) => {
      expectParserRefusal(await exchange(served.url, [good, bad, good]), status);
    },
  );
});

describe("the demo shop's own server (what the SDK ships as its example)", () => {
  let dir: string;
  let host: RunningHost;
  let shop: RunningShop;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-inputs-"));
    host = await startHost({ dbPath: path.join(dir, "host.db") });
    shop = await startDemoShop({ hostUrl: host.url, dataDir: path.join(dir, "shop") });
  });
  afterAll(async () => {
    await shop?.close();
    await host?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("answers what its HTTP parser cannot read in the project's shape, and closes the connection", async () => {
    const { responses, closed } = await exchange(shop.url, [
      "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
      "FROB / HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 400]);
    expect(responses[1]!.headers.connection).toBe("close");
    expect(JSON.parse(responses[1]!.body).error.code).toBe("invalid_request");
    expect(closed).toBe(true);
  });

  it("cuts a chunked body to its Request Order Delivery endpoint at the limit", async () => {
    const total = 64 * 1024 * 1024;
    const upload = await uploadChunked(shop.url, "/quickpay/v1/request-order-delivery", total);
    expect(upload.bytesSent).toBeLessThan(total / 4);
    expect(upload.response?.status).toBe(413);
    expect(upload.response!.headers.connection).toBe("close");
  });
});

/**
 * Inputs below the broker kit's routes (issue 12): requests node's HTTP parser cannot read, JSON that
 * repeats a key, and chunked bodies past the limit. Each gets a 4xx in `{ error: { code, message } }`
 * over real HTTP; none reaches a handler. No host is needed: nothing here gets that far.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair, messages, signEnvelope } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  exchange,
  expectParserRefusal,
  parserErrorCases,
  uploadChunked,
} from "../../../scripts/testing/raw-http";
import { accountNumberPinPolicy } from "./policy";
import { type RunningBrokerServer, startBroker } from "./server";

let dir: string;
let broker: RunningBrokerServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "broker-inputs-"));
  broker = await startBroker({
    // Nothing listens there: a request that got past the parser would fail on the directory instead.
    hostUrl: "http://127.0.0.1:9",
    key: generateKeyPair(),
    dbPath: join(dir, "broker.sqlite"),
    policy: accountNumberPinPolicy(),
    moduleIds: ["test-bank"],
    approvalPollMs: 0,
    holdSweepMs: 0,
  });
});
afterAll(async () => {
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

const health = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
const inquiry = messages.InquiryPayment.path;

describe("requests node's HTTP parser cannot read get the project's error shape and a closed connection", () => {
  it.each(parserErrorCases(inquiry))("%s, on a keep-alive connection", async (_what, bad, status) => {
    expectParserRefusal(await exchange(broker.url, [health, bad, health]), status);
  });
});

describe("JSON that repeats a key is refused before any route reads it", () => {
  it("an envelope whose text names its type twice is invalid_request, naming the key", async () => {
    const signer = { playerId: `w_${"1".repeat(32)}`, privateKey: generateKeyPair().privateKey };
    const signed = await signEnvelope(signer, "Ping", {});
    const text = JSON.stringify(signed).replace('"type":', '"type":"InquiryPayment","type":');
    expect(text).not.toBe(JSON.stringify(signed));
    const response = await fetch(`${broker.url}${inquiry}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: text,
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toEqual({
      code: "invalid_request",
      message: 'JSON repeats the key "type" in body',
    });
  });
});

describe("a chunked body past the limit", () => {
  it("is answered 413 payload_too_large with Connection: close long before the client finished", async () => {
    const total = 64 * 1024 * 1024;
    const upload = await uploadChunked(broker.url, inquiry, total);
    expect(upload.response?.status).toBe(413);
    expect(JSON.parse(upload.response!.body).error.code).toBe("payload_too_large");
    expect(upload.response!.headers.connection).toBe("close");
    // The server stopped reading at the limit (64 KiB): what the client got out is socket buffers.
    expect(upload.bytesSent).toBeLessThan(total / 4);
  });
});

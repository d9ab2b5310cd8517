/**
 * Found by the fault matrix (the vendor kill -9'd inside deliver(), restarted): the demo shop listens
 * before it has registered with the host and built its handlers, and a Wallet's resend that lands in
 * that window must hear "not now", not a refusal for good. Answered `not_found`, the Wallet ended the
 * purchase "not charged — this item is not for sale" while the shop's record waited, accepted, and the
 * shopper's hold stayed live until the endorsement's expiry.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { isRetryable, QuickPayError } from "@quickpay/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { startDemoShop } from "./shop";

/** A host that holds Register Vendor until released, then fails it (the shop gives up and closes). */
function slowHost() {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let registering = () => {};
  const asked = new Promise<void>((resolve) => {
    registering = resolve;
  });
  const server = http.createServer((request, response) => {
    request.resume();
    registering();
    void released.then(() => {
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { code: "internal", message: "test host: try later" } }));
    });
  });
  return { server, release, asked };
}

async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe("the demo shop while it starts", () => {
  const host = slowHost();
  afterAll(async () => {
    host.release();
    host.server.closeAllConnections();
    await new Promise<void>((resolve) => host.server.close(() => resolve()));
  });

  it("answers a Request Order Delivery that arrives before its handlers exist with a retryable error", async () => {
    await new Promise<void>((resolve) => host.server.listen(0, "127.0.0.1", resolve));
    const hostUrl = `http://127.0.0.1:${(host.server.address() as AddressInfo).port}`;
    const port = await freePort();
    const starting = startDemoShop({ hostUrl, port }).then(
      (shop) => shop.close(),
      () => undefined,
    );
    await host.asked; // listening, registering with the host: the window a restart opens
    const response = await fetch(`http://127.0.0.1:${port}/quickpay/v1/request-order-delivery`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const error = QuickPayError.fromJSON(await response.json(), `HTTP ${response.status}`);
    host.release();
    await starting;
    expect(
      isRetryable(error),
      `answered ${response.status} ${error.code} (${error.message}) while starting`,
    ).toBe(true);
  });
});

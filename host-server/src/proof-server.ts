/**
 * For tests and demos: one loopback HTTP server that proves many vendor origins. Each origin it hands
 * out is `http://<label>.localhost:<port>` (RFC 6761: loopback by name, which the host's loopback
 * mode and browsers resolve to 127.0.0.1 without DNS), told apart by the Host header, and serves
 * `/.well-known/quickpay.json` listing the keys it was given. A real shop serves its own document
 * (the vendor SDK's `originProofHandler`).
 */

import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { VENDOR_ORIGIN_PROOF_PATH, vendorOriginProof } from "@quickpay/protocol";

export interface ProofServer {
  /** A fresh origin on this server whose proof lists `publicKeys`. */
  originFor(publicKeys: string | readonly string[]): string;
  /** Changes the keys an origin of this server lists (a rotation, another vendor taking it). */
  list(origin: string, publicKeys: string | readonly string[]): void;
  close(): Promise<void>;
}

export async function startProofServer(): Promise<ProofServer> {
  const documents = new Map<string, string>();
  const server = http.createServer((request, response) => {
    const body = documents.get((request.headers.host ?? "").toLowerCase());
    if (request.method !== "GET" || request.url !== VENDOR_ORIGIN_PROOF_PATH || body === undefined) {
      response.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
      return;
    }
    response.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  const hostOf = (origin: string) => new URL(origin).host.toLowerCase();
  const list = (origin: string, publicKeys: string | readonly string[]) => {
    documents.set(hostOf(origin), JSON.stringify(vendorOriginProof(publicKeys)));
  };
  return {
    originFor(publicKeys) {
      const origin = `http://${randomBytes(8).toString("hex")}.localhost:${port}`;
      list(origin, publicKeys);
      return origin;
    },
    list,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let shared: Promise<ProofServer> | undefined;

/** One proof server per process, started on first use; it never keeps the process alive. */
export function sharedProofServer(): Promise<ProofServer> {
  shared ??= startProofServer();
  return shared;
}

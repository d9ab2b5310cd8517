/**
 * What HTTP alone costs on this machine, measured in the same run as the host: a bare node:http
 * server on loopback that reads each Register Delivery the load generator sends, parses its JSON and
 * answers with a reply of the host's shape — no checks, no signature, no store. Driven exactly like
 * the host's saturation phase (same client, same requests, 256 in flight), its CPU per request is
 * the floor under the host's event loop, and the client's is the load generator's share of the
 * two cores that any host on this machine must leave it.
 */
import { createServer } from "node:http";
import { generateKeyPair, playerIdFor } from "@quickpay/protocol";
import { LoadGenerator } from "./load-client";
import { round } from "./stats";

export interface HttpFloor {
  perSecond: number;
  serverCpuUsPerRequest: number;
  clientCpuUsPerRequest: number;
}

export async function measureHttpFloor(concurrency: number, durationMs = 2_500): Promise<HttpFloor> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      // The load generator's GET /v1/health that opens each connection gets `{}`.
      const envelope =
        request.method === "POST"
          ? (JSON.parse(Buffer.concat(chunks).toString()) as { at: string; body: { orderDigest: string } })
          : undefined;
      const text = JSON.stringify(
        envelope
          ? {
              registered: [
                {
                  orderDigest: envelope.body.orderDigest,
                  side: "delivery",
                  recordedAt: envelope.at,
                  flagged: false,
                },
              ],
            }
          : {},
      );
      response.writeHead(200, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(text),
      });
      response.end(text);
    });
  });
  // Idle connections stay open while the client signs the next phase's requests, as the host's do
  // (fastify's 72 s); node:http's default 5 s closed them under the client's feet on a slow run.
  server.keepAliveTimeout = 72_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const load = new LoadGenerator();
  try {
    const keys = generateKeyPair();
    const vendor = { playerId: playerIdFor("vendor", keys.publicKey), privateKey: keys.privateKey };
    await load.send({ kind: "init", url: `http://127.0.0.1:${port}`, vendors: [vendor] });
    const closed = (ms: number, maxRequests: number) =>
      load.send({ kind: "closed", batchSize: 1, concurrency, durationMs: ms, maxRequests });
    await closed(500, 5_000); // JIT warm-up on both sides
    const before = process.cpuUsage();
    const phase = await closed(durationMs, 40_000);
    const used = process.cpuUsage(before);
    if (phase.errors > 0) throw new Error(`HTTP floor: ${phase.errors} errors (${phase.firstError})`);
    return {
      perSecond: phase.requestsPerSecond,
      serverCpuUsPerRequest: round((used.user + used.system) / phase.ok, 1),
      clientCpuUsPerRequest: round((phase.clientCpuMs * 1000) / phase.ok, 1),
    };
  } finally {
    await load.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

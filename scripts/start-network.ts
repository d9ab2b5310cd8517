/**
 * The e2e network process (e2e/global-setup.ts starts it through scripts/processes.ts): host, demo
 * bank and demo shop as their own processes on QUICKPAY_DATA_DIR with the fault harness on, the
 * Wallet built against the host into QUICKPAY_EXTENSION_OUT, an "impostor" page server on an origin
 * no vendor registered, and the control channel the journeys drive the players through.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type NetworkCommands, type NetworkFacts, startControlServer } from "./control";
import { buildExtension, startNetwork } from "./network";
import { readPlayerEnv, runPlayer } from "./players/run";

await runPlayer<NetworkFacts, NetworkCommands>("network", async () => {
  // The journeys run it with the fault harness (QUICKPAY_FAULTS=1); `npm run bench:wallet` without,
  // so what it measures is the players as shipped.
  const { dataDir, logLevel, faults } = readPlayerEnv();
  const network = await startNetwork({ dataDir, faults, logLevel });
  const closers: (() => Promise<void>)[] = [() => network.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((e) => console.error(e));
  };
  try {
    const extensionDir = process.env.QUICKPAY_EXTENSION_OUT || null;
    if (extensionDir) await buildExtension(network.hostUrl, extensionDir);
    const impostor = await startImpostor(network.shopUrl);
    closers.push(impostor.close);
    const control = await startControlServer(network, randomBytes(24).toString("base64url"));
    closers.push(control.close);
    const facts: NetworkFacts = {
      pid: process.pid,
      hostUrl: network.hostUrl,
      operatorToken: network.operatorToken,
      bankUrl: network.bankUrl,
      brokerId: network.brokerId,
      shopUrl: network.shopUrl,
      vendorId: network.vendorId,
      accounts: network.accounts,
      impostorUrl: impostor.url,
      extensionDir,
      dataDir,
      controlUrl: control.url,
      controlToken: control.token,
    };
    return {
      facts,
      close: closeAll,
      commands: {
        facts: async () => facts,
        status: async () => ({
          players: await Promise.all([network.host.status(), network.bank.status(), network.shop.status()]),
          ports: [...network.ports(), impostor.port, control.port],
        }),
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
});

/** The same pay button, served from an origin the host has no vendor for. */
async function startImpostor(shopUrl: string) {
  const server = http.createServer((req, res) => {
    if (req.url === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><html><head><title>Not a vendor</title>
<script src="${shopUrl}/quickpay-button.js" defer></script></head>
<body><h1>Totally legit shop</h1>
<quickpay-button item="article-1" target="#article-1-body" label="Read for 1¢"></quickpay-button>
<div id="article-1-body"></div></body></html>`);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Runs a throwaway QuickPay network for the e2e journeys in its own process: temp data, free ports,
 * the Wallet built against its host into QUICKPAY_EXTENSION_OUT, and an "impostor" page server on an
 * origin no vendor registered. Prints one `QUICKPAY_NETWORK {json}` line when ready; stops on SIGTERM.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { buildExtension, startNetwork } from "./network";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "quickpay-e2e-"));
const network = await startNetwork({ dataDir });
const extensionDir = process.env.QUICKPAY_EXTENSION_OUT;
if (extensionDir) await buildExtension(network.hostUrl, extensionDir);

// The same pay button, served from an origin the host has no vendor for.
const impostor = http.createServer((req, res) => {
  if (req.url === "/") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html><head><title>Not a vendor</title>
<script src="${network.shopUrl}/quickpay-button.js" defer></script></head>
<body><h1>Totally legit shop</h1>
<quickpay-button item="article-1" target="#article-1-body" label="Read for 1¢"></quickpay-button>
<div id="article-1-body"></div></body></html>`);
    return;
  }
  res.writeHead(404).end();
});
await new Promise<void>((resolve) => impostor.listen(0, "127.0.0.1", resolve));
const impostorPort = (impostor.address() as AddressInfo).port;

console.log(
  `QUICKPAY_NETWORK ${JSON.stringify({
    hostUrl: network.hostUrl,
    operatorToken: network.operatorToken,
    bankUrl: network.bankUrl,
    shopUrl: network.shopUrl,
    vendorId: network.vendorId,
    brokerId: network.brokerId,
    accounts: network.accounts,
    impostorUrl: `http://127.0.0.1:${impostorPort}`,
    extensionDir: extensionDir ?? null,
  })}`,
);

async function stop() {
  impostor.closeAllConnections();
  impostor.close();
  await network.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// Never outlive the test runner that started us.
process.on("disconnect", stop);

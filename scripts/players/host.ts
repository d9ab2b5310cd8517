/**
 * The System Host as its own process (scripts/processes.ts starts it): its SQLite file in the data
 * dir, the operator token it is given, the port it is given (a free one at first start), in Register
 * Vendor's loopback mode (the shop proves a loopback origin).
 */
import path from "node:path";
import { startHost } from "@quickpay/host-server";
import { requireSetting, runPlayer } from "./run";
import type { HostCommands, HostFacts } from "./types";

await runPlayer<HostFacts, HostCommands>("host", async (env) => {
  const host = await startHost({
    dbPath: path.join(env.dataDir, "host.db"),
    port: env.port,
    operatorToken: requireSetting(env.operatorToken, "QUICKPAY_OPERATOR_TOKEN"),
    logLevel: env.logLevel,
    // The demo and the test network run every player on this machine: the shop's origin is
    // http://127.0.0.1:<port>, which Register Vendor admits only in loopback mode (never a public host's).
    loopbackVendors: true,
  });
  const facts: HostFacts = {
    player: "host",
    pid: process.pid,
    url: host.url,
    port: Number(new URL(host.url).port),
    hostId: host.hostId,
  };
  return { facts, close: () => host.close(), commands: { facts: async () => facts } };
});

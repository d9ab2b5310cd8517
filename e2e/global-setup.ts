/**
 * Starts the e2e network process (scripts/start-network.ts: host, demo bank and demo shop each in
 * its own process, the impostor page, the control channel) and builds the Wallet against its host;
 * journeys read where everything is from QUICKPAY_NETWORK. Teardown stops every process group the
 * network had and checks that none of its processes and none of its listeners is left.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { NetworkCommands, NetworkFacts, NetworkStatus } from "../scripts/control";
import { groupMembers, signalGroup, waitUntilGone } from "../scripts/proc";
import { ManagedProcess } from "../scripts/processes";

const here = path.dirname(fileURLToPath(import.meta.url));
export const extensionDir = process.env.QUICKPAY_E2E_EXTENSION ?? path.join(here, ".extension");
/** Playwright empties its output dir at the start of a run; the players' logs of the last run stay here. */
const logsOut = path.join(here, "test-results", "network-logs");

export default async function globalSetup(): Promise<() => Promise<void>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "quickpay-e2e-"));
  const network = new ManagedProcess<NetworkFacts, NetworkCommands>({
    name: "network",
    script: "scripts/start-network.ts",
    dataDir,
    faults: true,
    env: { QUICKPAY_EXTENSION_OUT: extensionDir },
    // Three players plus a vite build of the Wallet on two cores.
    readyTimeoutMs: 300_000,
  });
  let facts: NetworkFacts;
  try {
    facts = await network.start();
    process.env.QUICKPAY_NETWORK = JSON.stringify(facts);
  } catch (error) {
    keepLogs(dataDir);
    throw error;
  }
  return async () => {
    // What to check afterwards: every group the players had (one per restart) and every port.
    let status: (NetworkStatus & { ports: number[] }) | undefined;
    try {
      status = await network.request("status", undefined);
    } catch (error) {
      console.error("e2e teardown: the network process did not say what it runs:", error);
    }
    await network.stop();
    const groups = [...network.groups, ...(status?.players.flatMap((p) => p.groups) ?? [])];
    // The players stop with their parent; a group that outlived it is SIGKILLed, then reported.
    const outlived = groups.filter((pgid) => groupMembers(pgid).length > 0);
    for (const pgid of outlived) signalGroup(pgid, "SIGKILL");
    keepLogs(dataDir);
    // The servers' ports are in the ready facts too, should the network process be gone already.
    const urls = [facts.hostUrl, facts.bankUrl, facts.shopUrl, facts.impostorUrl, facts.controlUrl];
    const ports = new Set([...urls.map((url) => Number(new URL(url).port)), ...(status?.ports ?? [])]);
    await waitUntilGone(groups, [...ports]);
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (outlived.length > 0) {
      throw new Error(`e2e teardown: process groups ${outlived.join(", ")} outlived the network process`);
    }
  };
}

function keepLogs(dataDir: string): void {
  const from = path.join(dataDir, "logs");
  if (!fs.existsSync(from)) return;
  fs.rmSync(logsOut, { recursive: true, force: true });
  fs.cpSync(from, logsOut, { recursive: true });
}

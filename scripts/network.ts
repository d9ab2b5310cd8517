/**
 * Starts a whole QuickPay network on loopback — System Host, demo bank broker, demo shop — each as
 * its own OS process on the same data dir across restarts, and builds the Wallet extension pointed
 * at that host. Shared by the demo (`npm run demo`) and the e2e journeys, so what a person tries by
 * hand is exactly what the tests drive.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { BankProcess, HostProcess, ShopProcess } from "./player-handles";
import type { LiveAccount } from "./players/types";
import { waitUntilGone } from "./proc";
import { repoRoot } from "./processes";

export { repoRoot };

export interface NetworkOptions {
  /** Where the players keep their SQLite files, keys and logs (`logs/<player>.log`); kept across restarts. */
  dataDir: string;
  /** First-start ports; free ones when omitted. Every restart reuses the port a player got. */
  ports?: { host?: number; bank?: number; shop?: number };
  /** The host's operator token (the bank admits itself with it); random when omitted. */
  operatorToken?: string;
  /** The fault harness and player commands (QUICKPAY_FAULTS=1): tests only, never the demo. */
  faults?: boolean;
  /** LOG_LEVEL for the players (default: the environment's, else "warn"). */
  logLevel?: string;
}

export interface Network {
  dataDir: string;
  operatorToken: string;
  host: HostProcess;
  bank: BankProcess;
  shop: ShopProcess;
  /** The players' URLs and ids; the same across restarts. */
  hostUrl: string;
  bankUrl: string;
  brokerId: string;
  shopUrl: string;
  vendorId: string;
  /** The demo bank's accounts with their live balances when the network started. */
  accounts: LiveAccount[];
  /** Every process group the network has had and every port it uses, for leak checks. */
  groups(): number[];
  ports(): number[];
  /** Stops every player (the shop and the bank, then the host) and waits until their groups and ports are gone. */
  close(): Promise<void>;
}

export async function startNetwork(options: NetworkOptions): Promise<Network> {
  const dataDir = path.resolve(options.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const operatorToken = options.operatorToken ?? randomBytes(24).toString("base64url");
  const common = {
    dataDir,
    ...(options.faults ? { faults: true } : {}),
    env: {
      QUICKPAY_OPERATOR_TOKEN: operatorToken,
      ...(options.logLevel ? { LOG_LEVEL: options.logLevel } : {}),
    },
  };
  const host = new HostProcess({ ...common, ...port(options.ports?.host) });
  const players: { stop(): Promise<void>; groups: readonly number[]; port: number | undefined }[] = [host];
  const closeAll = async () => {
    const [hostPlayer, ...rest] = players;
    await Promise.allSettled(rest.map((p) => p.stop()));
    await hostPlayer?.stop();
    await waitUntilGone(
      players.flatMap((p) => p.groups),
      players.flatMap((p) => (p.port === undefined ? [] : [p.port])),
    );
  };
  try {
    const hostFacts = await host.start();
    const withHost = { ...common, env: { ...common.env, QUICKPAY_HOST_URL: hostFacts.url } };
    const bank = new BankProcess({ ...withHost, ...port(options.ports?.bank) });
    const shop = new ShopProcess({ ...withHost, ...port(options.ports?.shop) });
    players.push(bank, shop);
    const [bankStart, shopStart] = await Promise.allSettled([bank.start(), shop.start()]);
    if (bankStart.status === "rejected") throw bankStart.reason;
    if (shopStart.status === "rejected") throw shopStart.reason;
    return {
      dataDir,
      operatorToken,
      host,
      bank,
      shop,
      hostUrl: host.facts.url,
      bankUrl: bank.facts.url,
      brokerId: bank.facts.brokerId,
      shopUrl: shop.facts.url,
      vendorId: shop.facts.vendorId,
      accounts: bank.facts.accounts,
      groups: () => players.flatMap((p) => p.groups),
      ports: () => players.flatMap((p) => (p.port === undefined ? [] : [p.port])),
      close: closeAll,
    };
  } catch (error) {
    await closeAll().catch(() => {});
    throw error;
  }
}

function port(value: number | undefined): { port?: number } {
  return value === undefined ? {} : { port: value };
}

/** Builds the unpacked Wallet into `outDir`, pointed at `hostUrl` (the host is fixed at build time). */
export async function buildExtension(hostUrl: string, outDir: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn("npm", ["run", "build", "-w", "@quickpay/extension", "--silent"], {
      cwd: repoRoot,
      env: { ...process.env, QUICKPAY_HOST_URL: hostUrl, QUICKPAY_EXTENSION_OUT: outDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`extension build failed (exit ${code}):\n${output}`)),
    );
  });
}

/**
 * Starts a whole QuickPay network on loopback — System Host, demo bank broker, demo shop — and builds
 * the Wallet extension pointed at that host. Shared by the demo (`npm run demo`) and the e2e journeys,
 * so what a person tries by hand is exactly what the tests drive.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startHost } from "@quickpay/host-server";
import { startDemoBank } from "@quickpay/paycards/demo-bank/server";
import { startDemoShop } from "@quickpay/vendor-sdk";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface NetworkOptions {
  /** Where the host, bank and shop keep their SQLite files and keys; temp dirs when omitted. */
  dataDir?: string;
  ports?: { host?: number; bank?: number; shop?: number };
  operatorToken?: string;
}

export interface Network {
  hostUrl: string;
  operatorToken: string;
  bankUrl: string;
  brokerId: string;
  shopUrl: string;
  vendorId: string;
  accounts: {
    accountNumber: string;
    pin: string;
    holder: string;
    balance: { currency: string; value: string };
  }[];
  close(): Promise<void>;
}

export async function startNetwork(options: NetworkOptions = {}): Promise<Network> {
  const dir = options.dataDir;
  const closers: (() => Promise<void>)[] = [];
  try {
    const host = await startHost({
      ...(dir ? { dbPath: path.join(dir, "host.db") } : {}),
      ...(options.ports?.host !== undefined ? { port: options.ports.host } : {}),
      ...(options.operatorToken ? { operatorToken: options.operatorToken } : {}),
    });
    closers.push(() => host.close());
    const bank = await startDemoBank({
      hostUrl: host.url,
      operatorToken: host.operatorToken,
      ...(dir ? { dbPath: path.join(dir, "demo-bank.db") } : {}),
      ...(options.ports?.bank !== undefined ? { port: options.ports.bank } : {}),
    });
    closers.push(() => bank.close());
    const shop = await startDemoShop({
      hostUrl: host.url,
      ...(dir ? { dataDir: path.join(dir, "demo-shop") } : {}),
      ...(options.ports?.shop !== undefined ? { port: options.ports.shop } : {}),
    });
    closers.push(() => shop.close());
    return {
      hostUrl: host.url,
      operatorToken: host.operatorToken,
      bankUrl: bank.url,
      brokerId: bank.brokerId,
      shopUrl: shop.url,
      vendorId: shop.vendorId,
      accounts: bank.accounts,
      close: () => closeAll(closers),
    };
  } catch (error) {
    await closeAll(closers);
    throw error;
  }
}

async function closeAll(closers: (() => Promise<void>)[]): Promise<void> {
  for (const close of closers.reverse()) await close().catch(() => {});
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

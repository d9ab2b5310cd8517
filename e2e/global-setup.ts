/**
 * Starts the e2e network (host, demo bank, demo shop, impostor page) in a child process and builds
 * the Wallet against its host; journeys read where everything is from the environment.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "..");
export const extensionDir = path.join(here, ".extension");

export default async function globalSetup(): Promise<() => Promise<void>> {
  const child = spawn("npx", ["tsx", "scripts/start-network.ts"], {
    cwd: repoRoot,
    env: { ...process.env, QUICKPAY_EXTENSION_OUT: extensionDir },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const network = await readyLine(child);
  process.env.QUICKPAY_NETWORK = network;
  return async () => {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  };
}

function readyLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(
      () => reject(new Error(`network did not start in 180s\n${out}\n${err}`)),
      180_000,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.startsWith("QUICKPAY_NETWORK "));
      if (line) {
        clearTimeout(timer);
        resolve(line.slice("QUICKPAY_NETWORK ".length));
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk;
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`network exited early (code ${code})\n${out}\n${err}`));
    });
  });
}

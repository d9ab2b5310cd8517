/**
 * The demo: a System Host, the demo bank and the demo shop, each its own process, on fixed loopback
 * ports with their state and logs in `.data/`, plus the Wallet built against that host. Prints
 * where everything is and the bank's balances as its ledger has them now; launches Chromium with
 * the Wallet loaded when a display exists. Stops every process on Ctrl-C.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { displayMoney, parseMoney } from "@quickpay/protocol";
import { buildExtension, repoRoot, startNetwork } from "./network";

const port = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    console.error(`${name} must be a port number (1–65535), got "${raw}"`);
    process.exit(2);
  }
  return n;
};

const dataDir = path.resolve(process.env.QUICKPAY_DATA ?? path.join(repoRoot, ".data"));
const extensionDir = path.join(repoRoot, "extension", "dist");
fs.mkdirSync(dataDir, { recursive: true });

const network = await startNetwork({
  dataDir,
  ports: { host: port("HOST_PORT", 7700), bank: port("BANK_PORT", 7701), shop: port("SHOP_PORT", 7702) },
  operatorToken: process.env.OPERATOR_TOKEN ?? readOrCreateToken(path.join(dataDir, "operator-token")),
});

console.log("==> building the Wallet extension against", network.hostUrl);
await buildExtension(network.hostUrl, extensionDir);

// Live balances, read from the bank's ledger now: purchases of earlier runs show.
const accounts = network.accounts
  .map(
    (a) =>
      `      ${a.accountNumber}  PIN ${a.pin}  ${displayMoney(a.available).padStart(8)} available` +
      `${parseMoney(a.held).micros === 0 ? "" : ` (${displayMoney(a.held)} held)`}  ${a.holder}`,
  )
  .join("\n");
console.log(`
QuickPay demo is running.

  System Host     ${network.hostUrl}   (operator token in ${path.join(dataDir, "operator-token")})
  Demo bank       ${network.bankUrl}   broker ${network.brokerId}
  Demo shop       ${network.shopUrl}   vendor ${network.vendorId}
  Logs            ${path.join(dataDir, "logs")}
  Wallet          ${extensionDir}
                  load it unpacked: chrome://extensions → Developer mode → Load unpacked

  Demo bank accounts (add the "Demo Bank" Paycard in the Wallet's options and answer with one):
${accounts}

Open ${network.shopUrl} and pay one cent for an article. Ctrl-C stops everything; state stays in ${dataDir}.
`);

let browser: ReturnType<typeof spawn> | undefined;
if (process.env.DISPLAY && fs.existsSync("/usr/bin/chromium") && process.env.QUICKPAY_NO_BROWSER !== "1") {
  browser = spawn(
    "/usr/bin/chromium",
    [
      `--user-data-dir=${path.join(dataDir, "chromium-profile")}`,
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
      network.shopUrl,
    ],
    { stdio: "ignore" },
  );
  console.log("==> launched Chromium with the Wallet loaded");
} else {
  console.log("(no display: not launching a browser)");
}

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  browser?.kill();
  await network.close();
  process.exit(code);
}
for (const player of [network.host, network.bank, network.shop]) {
  player.onExit((info) => {
    if (info.expected || stopping) return;
    console.error(
      `\n${player.name} stopped unexpectedly (${info.signal ?? `exit ${info.code}`}); its log: ${player.logFile}\n` +
        `${player.logTail(15)}\nstopping the demo.`,
    );
    void stop(1);
  });
}
process.on("SIGINT", () => stop());
process.on("SIGTERM", () => stop());
if (process.env.QUICKPAY_DEMO_EXIT_AFTER_START === "1") await stop();

function readOrCreateToken(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  const token = crypto.randomUUID().replaceAll("-", "") + crypto.randomUUID().replaceAll("-", "");
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/**
 * `npm run start:demo-bank -w @quickpay/paycards`: runs the demo bank until stopped.
 * Env: HOST_URL (default http://127.0.0.1:7700), OPERATOR_TOKEN (Add Broker itself when set),
 * BROKER_PORT (default 7710), BROKER_DB (default ./demo-bank.sqlite), LOG_LEVEL.
 */
import { displayMoney } from "@quickpay/protocol";
import { startDemoBank } from "./start";

const bank = await startDemoBank({
  hostUrl: process.env.HOST_URL ?? "http://127.0.0.1:7700",
  ...(process.env.OPERATOR_TOKEN ? { operatorToken: process.env.OPERATOR_TOKEN } : {}),
  port: Number(process.env.BROKER_PORT ?? 7710),
  dbPath: process.env.BROKER_DB ?? "demo-bank.sqlite",
  logLevel: process.env.LOG_LEVEL ?? "warn",
});

console.log(`Demo Bank broker ${bank.brokerId} listening at ${bank.url}`);
// The ledger's balances now, not the seed's: a restart shows what was spent.
console.log("Demo accounts (DEMO ONLY — add one as a Paycard in the Wallet):");
for (const a of bank.liveAccounts()) {
  console.log(
    `  account ${a.accountNumber}  PIN ${a.pin ?? "—"}  ${a.holder.padEnd(12)} ${displayMoney(a.available)} available (${displayMoney(a.balance)} balance)`,
  );
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void bank.close().then(() => process.exit(0));
  });
}

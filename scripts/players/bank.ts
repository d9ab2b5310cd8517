/**
 * The demo bank (a broker) as its own process: its ledger in the data dir, admitted to the host
 * with the operator token on every start (a restart finds itself listed). Its ready facts carry
 * the demo accounts' live balances from its own ledger, not the seed values.
 */
import path from "node:path";
import { startDemoBank } from "@quickpay/paycards/demo-bank/server";
import { parseMoney } from "@quickpay/protocol";
import { requireSetting, runPlayer } from "./run";
import type { BankCommands, BankFacts, LiveAccount } from "./types";

/**
 * QUICKPAY_HOLD_TTL_MS: how long an endorsement (and its hold) lives, instead of the broker kit's 15
 * minutes, so a test can reach an endorsement's expiry (the fault matrix's outages that outlast it).
 * A test setting: refused unless the fault harness is on, so no demo bank runs with short holds.
 */
function holdTtlFrom(raw: string | undefined, faults: boolean): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (!faults) throw new Error("QUICKPAY_HOLD_TTL_MS is a test setting: it needs QUICKPAY_FAULTS=1");
  const ms = Number(raw);
  if (!Number.isSafeInteger(ms) || ms < 1_000) {
    throw new Error(`QUICKPAY_HOLD_TTL_MS must be a whole number of milliseconds ≥ 1000, got "${raw}"`);
  }
  return ms;
}

await runPlayer<BankFacts, BankCommands>("bank", async (env) => {
  const holdTtlMs = holdTtlFrom(process.env.QUICKPAY_HOLD_TTL_MS, env.faults);
  const bank = await startDemoBank({
    hostUrl: requireSetting(env.hostUrl, "QUICKPAY_HOST_URL"),
    operatorToken: requireSetting(env.operatorToken, "QUICKPAY_OPERATOR_TOKEN"),
    dbPath: path.join(env.dataDir, "demo-bank.db"),
    port: env.port,
    logLevel: env.logLevel,
    ...(holdTtlMs === undefined ? {} : { settings: { holdTtlMs: { micro: holdTtlMs, regular: holdTtlMs } } }),
  });
  /** The demo accounts (those with a PIN to answer Add Paycard with), as the ledger has them now. */
  const accounts = (): LiveAccount[] =>
    bank.liveAccounts().flatMap((a) => (a.pin === undefined ? [] : [{ ...a, pin: a.pin }]));
  const account = (accountNumber: string): LiveAccount => {
    const found = accounts().find((a) => a.accountNumber === accountNumber);
    if (!found) throw new Error(`no demo account ${accountNumber}`);
    return found;
  };
  const facts = (): BankFacts => ({
    player: "bank",
    pid: process.pid,
    url: bank.url,
    port: Number(new URL(bank.url).port),
    brokerId: bank.brokerId,
    publicKey: bank.publicKey,
    accounts: accounts(),
  });
  return {
    facts: facts(),
    close: () => bank.close(),
    commands: {
      facts: async () => facts(),
      accounts: async () => accounts(),
      async deposit({ accountNumber, value }) {
        const row = bank.server.ledger.accounts.byNumber(accountNumber);
        if (!row) throw new Error(`no demo account ${accountNumber}`);
        const { micros } = parseMoney({ currency: row.currency, value });
        bank.server.ledger.accounts.credit(row.account_id, micros, "test deposit", Date.now());
        return account(accountNumber);
      },
      flushOutbox: () => bank.server.flushOutbox(),
      consumeApprovals: () => bank.server.consumeApprovals(),
    },
  };
});

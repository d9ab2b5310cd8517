/**
 * The demo bank (a broker) as its own process: its ledger in the data dir, admitted to the host
 * with the operator token on every start (a restart finds itself listed). Its ready facts carry
 * the accounts' live balances from its own ledger, not the seed values.
 */
import path from "node:path";
import type { AccountBalance } from "@quickpay/paycards/broker-kit";
import { demoAccounts, type RunningBroker, startDemoBank } from "@quickpay/paycards/demo-bank/server";
import { formatMoney, parseMoney } from "@quickpay/protocol";
import { requireSetting, runPlayer } from "./run";
import type { BankCommands, BankFacts, LiveAccount } from "./types";

await runPlayer<BankFacts, BankCommands>("bank", async (env) => {
  const bank = await startDemoBank({
    hostUrl: requireSetting(env.hostUrl, "QUICKPAY_HOST_URL"),
    operatorToken: requireSetting(env.operatorToken, "QUICKPAY_OPERATOR_TOKEN"),
    dbPath: path.join(env.dataDir, "demo-bank.db"),
    port: env.port,
    logLevel: env.logLevel,
  });
  const facts = (): BankFacts => ({
    player: "bank",
    pid: process.pid,
    url: bank.url,
    port: Number(new URL(bank.url).port),
    brokerId: bank.brokerId,
    publicKey: bank.publicKey,
    accounts: liveAccounts(bank),
  });
  const account = (accountNumber: string): LiveAccount => {
    const found = liveAccounts(bank).find((a) => a.accountNumber === accountNumber);
    if (!found) throw new Error(`no demo account ${accountNumber}`);
    return found;
  };
  return {
    facts: facts(),
    close: () => bank.close(),
    commands: {
      facts: async () => facts(),
      accounts: async () => liveAccounts(bank),
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

/** The demo accounts as the ledger has them now (lapsed holds released first, as every read does). */
function liveAccounts(bank: RunningBroker): LiveAccount[] {
  const ledger = bank.server.ledger as typeof bank.server.ledger & {
    balance?: (accountId: string, now: number) => AccountBalance;
  };
  return demoAccounts.flatMap((demo) => {
    const row = ledger.accounts.byNumber(demo.accountNumber);
    if (!row) return [];
    const b = ledger.balance
      ? ledger.balance(row.account_id, Date.now())
      : ledger.accounts.balance(row.account_id);
    const money = (micros: number) => formatMoney({ currency: b.currency, micros });
    return [
      {
        accountNumber: demo.accountNumber,
        pin: demo.pin,
        holder: row.holder,
        balance: money(b.availableMicros),
        settled: money(b.balanceMicros),
        held: money(b.heldMicros),
      },
    ];
  });
}

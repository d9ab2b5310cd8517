/**
 * `startDemoBank`: the reference broker — the broker kit with the demo key, an account-number + PIN
 * policy and seeded demo accounts. With an operator token it admits itself to the host (Add Broker).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DirectoryEntry,
  directoryPaths,
  endpointUrl,
  type FetchLike,
  formatMoney,
  getJson,
  isQuickPayError,
  type MoneyWire,
  QuickPayError,
  sendMessage,
} from "@quickpay/protocol";
import {
  accountNumberPinPolicy,
  type BrokerServerOptions,
  Ledger,
  type RunningBrokerServer,
  startBroker,
} from "../../broker-kit";
import { demoBrokerKey } from "../demo-broker-key";
import { DEMO_BANK_MODULE_ID, DEMO_BANK_NAME } from "../module/meta";
import { demoAccounts, normalizeDemoAccountNumber, seedDemoAccounts } from "./accounts";

export interface DemoBankOptions {
  hostUrl: string;
  /** When given, the bank calls the host's Add Broker itself with its key, name and URL. */
  operatorToken?: string;
  /** The ledger file; a fresh temporary file when omitted. */
  dbPath?: string;
  port?: number;
  host?: string;
  /** Open the demo accounts (default true). */
  seed?: boolean;
  logLevel?: string;
  now?: () => Date;
  fetch?: FetchLike;
  /** How often host settlement approvals are fetched and paid (default 30 s; 0 = only on demand). */
  approvalPollMs?: number;
  /** How often lapsed holds are released without waiting for a read (default 60 s; 0 = only on reads). */
  holdSweepMs?: number;
  /** Broker settings, e.g. `settleWithinMs` or `holdTtlMs`. */
  settings?: BrokerServerOptions["settings"];
}

/** An account as the ledger has it now (not the seed): what the demo prints on every start. */
export interface LiveAccount {
  accountNumber: string;
  holder: string;
  /** The settled balance: what was captured is gone, what is only held is still here. */
  balance: MoneyWire;
  /** Reserved by live holds: endorsed or claimed orders not settled (or released) yet. */
  held: MoneyWire;
  /** balance − held: what the Paycard can still commit. */
  available: MoneyWire;
  /** The demo PIN, for the seeded demo accounts (DEMO ONLY). */
  pin?: string;
}

export interface RunningBroker {
  url: string;
  brokerId: string;
  publicKey: string;
  /** The seeded demo accounts with their PINs and OPENING balances (the seed, not the ledger). */
  accounts: { accountNumber: string; pin: string; holder: string; balance: MoneyWire }[];
  /** Every account's balance as the ledger has it now, lapsed holds released first. */
  liveAccounts(): LiveAccount[];
  close(): Promise<void>;
  /** The underlying broker-kit server (ledger, outbox) for tests and operators. */
  server: RunningBrokerServer;
}

export async function startDemoBank(options: DemoBankOptions): Promise<RunningBroker> {
  // Without a dbPath the ledger lives in a temp dir that is removed on close.
  const tempDir = options.dbPath ? undefined : mkdtempSync(join(tmpdir(), "quickpay-demo-bank-"));
  const ledger = Ledger.open(options.dbPath ?? join(tempDir!, "ledger.sqlite"));
  const removeTemp = () => {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  };
  const seed = options.seed ?? true;
  if (seed) seedDemoAccounts(ledger, (options.now?.() ?? new Date()).getTime());
  let server: RunningBrokerServer;
  try {
    server = await startBroker({
      hostUrl: options.hostUrl,
      key: demoBrokerKey,
      ledger,
      policy: accountNumberPinPolicy({
        normalizeAccountNumber: normalizeDemoAccountNumber,
        accountHint: "e.g. 1000-0001",
      }),
      moduleIds: [DEMO_BANK_MODULE_ID],
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
      ...(options.now ? { now: options.now } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.approvalPollMs === undefined ? {} : { approvalPollMs: options.approvalPollMs }),
      ...(options.holdSweepMs === undefined ? {} : { holdSweepMs: options.holdSweepMs }),
      ...(options.settings ? { settings: options.settings } : {}),
    });
  } catch (error) {
    ledger.close();
    removeTemp();
    throw error;
  }
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      await server.close();
      ledger.close();
      removeTemp();
    })();
    return closed;
  };
  try {
    if (options.operatorToken) await addBrokerToHost(options, server);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url: server.url,
    brokerId: server.brokerId,
    publicKey: server.publicKey,
    accounts: seed ? demoAccounts.map((a) => ({ ...a, balance: { ...a.balance } })) : [],
    liveAccounts: () => liveAccounts(ledger, (options.now?.() ?? new Date()).getTime()),
    close,
    server,
  };
}

function liveAccounts(ledger: Ledger, now: number): LiveAccount[] {
  const pins = new Map(demoAccounts.map((a) => [a.accountNumber, a.pin]));
  return ledger.accounts.list().map((a) => {
    const b = ledger.balance(a.account_id, now);
    const money = (micros: number) => formatMoney({ currency: b.currency, micros });
    const pin = pins.get(a.number);
    return {
      accountNumber: a.number,
      holder: a.holder,
      balance: money(b.balanceMicros),
      held: money(b.heldMicros),
      available: money(b.availableMicros),
      ...(pin === undefined ? {} : { pin }),
    };
  });
}

/**
 * Add Broker as the host operator. A host that already lists this key (a restart) answers `conflict`;
 * that is fine as long as the directory holds our key.
 */
async function addBrokerToHost(options: DemoBankOptions, server: RunningBrokerServer): Promise<void> {
  const call = {
    headers: { authorization: `Bearer ${options.operatorToken}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  try {
    const { brokerId } = await sendMessage(
      options.hostUrl,
      "AddBroker",
      { publicKey: server.publicKey, name: DEMO_BANK_NAME, endpoint: server.url },
      call,
    );
    if (brokerId !== server.brokerId) {
      throw new QuickPayError(
        "mismatch",
        `the host named this broker ${brokerId}, expected ${server.brokerId}`,
      );
    }
  } catch (error) {
    if (!isQuickPayError(error) || error.code !== "conflict") throw error;
    const entry = await getJson(
      endpointUrl(options.hostUrl, directoryPaths.player(server.brokerId)),
      DirectoryEntry,
      options.fetch ? { fetch: options.fetch } : {},
    );
    if (entry.publicKey !== server.publicKey) throw error;
  }
}

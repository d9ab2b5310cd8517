/** startDemoBank against a real host: demo accounts, Add Broker by itself, restarts on the same ledger. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningHost, startHost } from "@quickpay/host-server";
import { playerIdFor } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lookupPlayer } from "../../testing/players";
import { demoBrokerKey } from "../demo-broker-key";
import { normalizeDemoAccountNumber } from "./accounts";
import { startDemoBank } from "./start";

let host: RunningHost;
let dir: string;

beforeAll(async () => {
  host = await startHost();
  dir = mkdtempSync(join(tmpdir(), "demo-bank-"));
});

afterAll(async () => {
  await host?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("startDemoBank", () => {
  it("seeds the known demo accounts and admits itself to the host with its URL", async () => {
    const bank = await startDemoBank({ hostUrl: host.url, operatorToken: host.operatorToken });
    try {
      expect(bank.brokerId).toBe(playerIdFor("broker", demoBrokerKey.publicKey));
      expect(bank.publicKey).toBe(demoBrokerKey.publicKey);
      expect(bank.accounts).toEqual([
        {
          accountNumber: "1000-0001",
          pin: "1234",
          holder: "Alice Demo",
          balance: { currency: "USD", value: "5.00" },
        },
        {
          accountNumber: "1000-0002",
          pin: "4321",
          holder: "Bob Demo",
          balance: { currency: "USD", value: "0.50" },
        },
        {
          accountNumber: "1000-0003",
          pin: "0000",
          holder: "Carol Demo",
          balance: { currency: "USD", value: "0.00" },
        },
      ]);
      expect(await lookupPlayer(host.url, bank.brokerId)).toMatchObject({
        kind: "broker",
        status: "active",
        name: "Demo Bank",
        endpoint: bank.url,
        publicKey: demoBrokerKey.publicKey,
      });
      const health = await fetch(`${bank.url}/v1/health`).then((r) => r.json());
      expect(health).toEqual({ ok: true, brokerId: bank.brokerId });
    } finally {
      await bank.close();
    }
  });

  it("restarts on the same ledger keeping balances, and admits itself again without error", async () => {
    const dbPath = join(dir, "ledger.sqlite");
    const first = await startDemoBank({ hostUrl: host.url, operatorToken: host.operatorToken, dbPath });
    const alice = first.server.ledger.accounts.byNumber("1000-0001")!;
    first.server.ledger.accounts.credit(alice.account_id, 1_000_000, "test deposit", Date.now());
    await first.close();
    const second = await startDemoBank({ hostUrl: host.url, operatorToken: host.operatorToken, dbPath });
    try {
      expect(second.server.ledger.accounts.byNumber("1000-0001")?.balance_micros).toBe(6_000_000);
      // The live balances come from the ledger; `accounts` stays the seed (with the demo PINs).
      expect(second.liveAccounts()).toEqual([
        {
          accountNumber: "1000-0001",
          holder: "Alice Demo",
          pin: "1234",
          balance: { currency: "USD", value: "6.00" },
          held: { currency: "USD", value: "0.00" },
          available: { currency: "USD", value: "6.00" },
        },
        {
          accountNumber: "1000-0002",
          holder: "Bob Demo",
          pin: "4321",
          balance: { currency: "USD", value: "0.50" },
          held: { currency: "USD", value: "0.00" },
          available: { currency: "USD", value: "0.50" },
        },
        {
          accountNumber: "1000-0003",
          holder: "Carol Demo",
          pin: "0000",
          balance: { currency: "USD", value: "0.00" },
          held: { currency: "USD", value: "0.00" },
          available: { currency: "USD", value: "0.00" },
        },
      ]);
      expect(second.accounts[0]?.balance).toEqual({ currency: "USD", value: "5.00" });
      expect(await lookupPlayer(host.url, second.brokerId)).toMatchObject({
        status: "active",
        endpoint: second.url,
      });
    } finally {
      await second.close();
    }
  });

  it("without seeding or an operator token it opens no accounts", async () => {
    const bank = await startDemoBank({ hostUrl: host.url, seed: false });
    try {
      expect(bank.accounts).toEqual([]);
      expect(bank.liveAccounts()).toEqual([]);
      expect(bank.server.ledger.accounts.byNumber("1000-0001")).toBeUndefined();
    } finally {
      await bank.close();
    }
  });

  it("accepts account numbers as people type them", () => {
    expect(normalizeDemoAccountNumber("1000-0001")).toBe("1000-0001");
    expect(normalizeDemoAccountNumber(" 10000001 ")).toBe("1000-0001");
    expect(normalizeDemoAccountNumber("1000 0001")).toBe("1000-0001");
    expect(normalizeDemoAccountNumber("1000-001")).toBeUndefined();
    expect(normalizeDemoAccountNumber("abcd-efgh")).toBeUndefined();
  });
});

/**
 * The network as real processes: each player in its own process group on a port fixed at first
 * start, surviving kill -9 with its data, suspendable with its socket open, and leaving no process
 * and no listener behind once stopped (or once its parent is gone).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateKeyPair, playerIdFor, sendMessage, signEnvelope } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Network, startNetwork } from "./network";
import { groupMembers, listeningPorts, processState, waitUntil, waitUntilGone } from "./proc";
import { repoRoot } from "./processes";

const PROCESS_TEST_MS = 180_000;

describe("the network as processes", () => {
  let dataDir: string;
  let network: Network;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "quickpay-network-test-"));
    network = await startNetwork({ dataDir, faults: true });
  }, PROCESS_TEST_MS);

  afterAll(async () => {
    await network?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, PROCESS_TEST_MS);

  it("runs each player as its own process group, listening on its port", () => {
    const players = [network.host, network.bank, network.shop];
    const pids = players.map((p) => p.pid!);
    expect(new Set(pids).size).toBe(3);
    for (const player of players) {
      expect(player.pid).toBe(player.facts.pid);
      expect(groupMembers(player.pid!)).toContain(player.pid);
      expect(player.facts.url).toBe(`http://127.0.0.1:${player.port}`);
    }
    expect(listeningPorts(network.ports()).sort()).toEqual([...network.ports()].sort());
    expect(fs.existsSync(path.join(dataDir, "logs", "host.log"))).toBe(true);
  });

  it(
    "keeps the host's registrations across kill -9 and restarts it on the same port",
    async () => {
      const keys = generateKeyPair();
      const walletId = playerIdFor("wallet", keys.publicKey);
      const registration = await signEnvelope(
        { playerId: walletId, privateKey: keys.privateKey },
        "RegisterWallet",
        {
          publicKey: keys.publicKey,
        },
      );
      expect((await sendMessage(network.hostUrl, "RegisterWallet", registration)).walletId).toBe(walletId);

      const killed = network.host.pid!;
      await network.host.kill("SIGKILL");
      expect(network.host.running).toBe(false);
      expect(groupMembers(killed)).toEqual([]);
      expect(listeningPorts([network.host.port!])).toEqual([]);

      const facts = await network.host.restart();
      expect(facts.url).toBe(network.hostUrl);
      expect(facts.pid).not.toBe(killed);
      for (const id of [walletId, network.vendorId, network.brokerId]) {
        expect((await fetch(`${network.hostUrl}/v1/directory/${id}`)).status).toBe(200);
      }
    },
    PROCESS_TEST_MS,
  );

  it(
    "keeps the bank's balances across kill -9, and reports them live",
    async () => {
      const carol = "1000-0003";
      const seed = network.accounts.find((a) => a.accountNumber === carol)!;
      expect(seed.balance.value).toBe("0.00");
      expect((await network.bank.deposit(carol, "1.23")).balance.value).toBe("1.23");

      await network.bank.kill();
      const facts = await network.bank.restart();
      expect(facts.url).toBe(network.bankUrl);
      expect(facts.brokerId).toBe(network.brokerId);
      expect(facts.accounts.find((a) => a.accountNumber === carol)!.balance.value).toBe("1.23");
      const entry = await (await fetch(`${network.hostUrl}/v1/directory/${network.brokerId}`)).json();
      expect(JSON.stringify(entry)).toContain(network.bankUrl);
    },
    PROCESS_TEST_MS,
  );

  it(
    "keeps the shop's vendor id across kill -9",
    async () => {
      await network.shop.kill();
      expect(listeningPorts([network.shop.port!])).toEqual([]);
      const facts = await network.shop.restart();
      expect(facts.vendorId).toBe(network.vendorId);
      expect(facts.url).toBe(network.shopUrl);
      expect((await fetch(network.shopUrl)).status).toBe(200);
    },
    PROCESS_TEST_MS,
  );

  it(
    "suspends the host with its socket open: a request waits and is answered once it resumes",
    async () => {
      await network.host.suspend();
      expect(processState(network.host.pid!)).toBe("T");
      expect(listeningPorts([network.host.port!])).toEqual([network.host.port]);
      // Sent while it is stopped: the kernel accepts the connection, the answer comes after SIGCONT.
      const health = fetch(`${network.hostUrl}/v1/health`);
      await network.host.resume();
      expect((await health).status).toBe(200);
    },
    PROCESS_TEST_MS,
  );

  it(
    "drops the shop's next Request Order Delivery answer, then answers again",
    async () => {
      const rod = () =>
        fetch(`${network.shopUrl}/quickpay/v1/request-order-delivery`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ not: "an order" }),
        });
      await network.shop.arm("answer", "drop");
      await expect(rod()).rejects.toThrow();
      expect(await network.shop.waitFor("answer")).toMatchObject({ point: "answer", action: "drop" });

      const refused = await rod();
      expect(refused.status).toBe(400);
      expect((await network.shop.waitFor("answer")).action).toBeUndefined();
      expect(await network.shop.waitFor("answer_sent")).toMatchObject({ point: "answer_sent" });
    },
    PROCESS_TEST_MS,
  );

  it(
    "kills the shop at an armed point, reporting it first; it restarts on its data",
    async () => {
      const pid = network.shop.pid!;
      await network.shop.arm("answer", "kill");
      await expect(
        fetch(`${network.shopUrl}/quickpay/v1/request-order-delivery`, { method: "POST", body: "{}" }),
      ).rejects.toThrow();
      expect(await network.shop.waitFor("answer")).toMatchObject({ action: "kill" });
      const exit = await network.shop.exited();
      expect(exit).toMatchObject({ signal: "SIGKILL", expected: false });
      await waitUntil(() => groupMembers(pid).length === 0, "the killed shop's group to be gone");
      expect((await network.shop.restart()).vendorId).toBe(network.vendorId);
    },
    PROCESS_TEST_MS,
  );

  it("refuses a fault its point cannot take", async () => {
    // @ts-expect-error throw is armed inside deliver(), not at an event
    await expect(network.shop.arm("order_prepared", "throw")).rejects.toThrow(/cannot be armed/);
  });

  it(
    "stops every player: no process of any of its groups alive, no listener on its ports",
    async () => {
      const groups = network.groups();
      expect(groups.length).toBeGreaterThanOrEqual(6); // three starts plus three restarts after kill -9
      await network.close();
      expect(groups.flatMap((pgid) => groupMembers(pgid))).toEqual([]);
      expect(listeningPorts(network.ports())).toEqual([]);
    },
    PROCESS_TEST_MS,
  );
});

describe("a player whose parent dies", () => {
  it(
    "exits with it: the IPC channel closes and the player stops",
    async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "quickpay-orphan-test-"));
      try {
        // A parent that starts a host, says where it is, and waits to be killed.
        const parentCode = `
          const { HostProcess } = await import(${JSON.stringify(path.join(repoRoot, "scripts/player-handles.ts"))});
          const host = new HostProcess({ dataDir: ${JSON.stringify(dataDir)}, env: { QUICKPAY_OPERATOR_TOKEN: "t" } });
          const facts = await host.start();
          console.log(JSON.stringify({ pid: facts.pid, port: facts.port }));`;
        const parent = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", parentCode], {
          cwd: repoRoot,
          stdio: ["ignore", "pipe", "inherit"],
        });
        const line = await new Promise<string>((resolve, reject) => {
          let out = "";
          parent.stdout.on("data", (chunk: Buffer) => {
            out += chunk;
            if (out.includes("\n")) resolve(out.split("\n")[0]!);
          });
          parent.once("exit", (code) => reject(new Error(`the parent exited first (code ${code})`)));
        });
        const host = JSON.parse(line) as { pid: number; port: number };
        expect(groupMembers(host.pid)).toContain(host.pid);

        parent.kill("SIGKILL");
        await waitUntilGone([host.pid], [host.port]);
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
    PROCESS_TEST_MS,
  );
});

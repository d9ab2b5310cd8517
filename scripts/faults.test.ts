/**
 * The shop's fault harness on real purchases against the player processes: a fault armed at a
 * point trips there (deliver() throws once, a pause holds the order until `continue`, a kill takes
 * the process down mid-order, a dropped answer never arrives) and the shop, restarted on its data
 * where needed, finishes each order once, through the handles or the e2e control channel alike;
 * then settlement charges each delivered order once.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlClient, RemoteBank, RemoteShop, startControlServer } from "./control";
import { type Network, startNetwork } from "./network";
import { type Buyer, startBuyer } from "./testing/buyer";

const PROCESS_TEST_MS = 180_000;

describe("faults armed in the shop process", () => {
  let dataDir: string;
  let network: Network;
  let buyer: Buyer;
  const delivered: string[] = [];
  const alice = () => network.accounts.find((a) => a.accountNumber === "1000-0001")!;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "quickpay-faults-test-"));
    network = await startNetwork({ dataDir, faults: true });
    buyer = await startBuyer(network, alice());
  }, PROCESS_TEST_MS);

  afterAll(async () => {
    await network?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, PROCESS_TEST_MS);

  it(
    "deliver() throwing once: answered delivery_failed and reported; the resend delivers",
    async () => {
      const purchase = await buyer.endorse("article-1");
      await network.shop.arm("deliver", "throw");
      const failed = await buyer.requestDelivery(purchase);
      expect(failed.status).toBe(503);
      expect(failed.json).toMatchObject({ error: { code: "delivery_failed" } });
      const report = await network.shop.waitFor("deliver_failed");
      expect(report).toMatchObject({ orderDigest: purchase.digest, itemId: "article-1" });
      expect(String(report.event?.error)).toMatch(/fault the test harness armed/);

      const again = await buyer.requestDelivery(purchase);
      expect(again.status).toBe(200);
      expect(again.json.orderDigest).toBe(purchase.digest);
      delivered.push(purchase.digest);
    },
    PROCESS_TEST_MS,
  );

  it(
    "a pause holds the order at its point until continue",
    async () => {
      const purchase = await buyer.endorse("article-2");
      await network.shop.arm("commit_checked", "pause", { itemId: "article-2" });
      const answer = buyer.requestDelivery(purchase);
      const reached = await network.shop.waitFor("commit_checked", { itemId: "article-2" });
      expect(reached).toMatchObject({ action: "pause", orderDigest: purchase.digest });
      expect(await network.shop.continue("commit_checked")).toBe(1);
      expect((await answer).status).toBe(200);
      delivered.push(purchase.digest);
    },
    PROCESS_TEST_MS,
  );

  it(
    "a kill at order_prepared takes the shop down mid-order; restarted, it delivers without deliver() again",
    async () => {
      const purchase = await buyer.endorse("article-3");
      await network.shop.arm("order_prepared", "kill");
      await expect(buyer.requestDelivery(purchase)).rejects.toThrow();
      expect(await network.shop.waitFor("order_prepared")).toMatchObject({ action: "kill" });
      expect(await network.shop.exited()).toMatchObject({ signal: "SIGKILL" });

      await network.shop.restart();
      const again = await buyer.requestDelivery(purchase);
      expect(again.status).toBe(200);
      const delivers = (await network.shop.seen("deliver")).filter((r) => r.orderDigest === purchase.digest);
      expect(delivers).toHaveLength(1);
      delivered.push(purchase.digest);
    },
    PROCESS_TEST_MS,
  );

  it(
    "a dropped answer never arrives; the resend gets the stored reply",
    async () => {
      const purchase = await buyer.endorse("article-1");
      await network.shop.arm("answer", "drop");
      await expect(buyer.requestDelivery(purchase)).rejects.toThrow();
      expect(await network.shop.waitFor("answer")).toMatchObject({
        action: "drop",
        orderDigest: purchase.digest,
      });

      const again = await buyer.requestDelivery(purchase);
      expect(again.status).toBe(200);
      const delivers = (await network.shop.seen("deliver")).filter((r) => r.orderDigest === purchase.digest);
      expect(delivers).toHaveLength(1);
      delivered.push(purchase.digest);
    },
    PROCESS_TEST_MS,
  );

  it(
    "works the same through the e2e control channel, which wants its token",
    async () => {
      const control = await startControlServer(network, "test-token");
      try {
        const client = new ControlClient(control.url, "test-token");
        const shop = new RemoteShop(client);
        const purchase = await buyer.endorse("article-2");
        await shop.arm("deliver", "throw", { itemId: "article-2" });
        expect((await buyer.requestDelivery(purchase)).status).toBe(503);
        expect(await shop.waitFor("deliver_failed", { orderDigest: purchase.digest })).toMatchObject({
          itemId: "article-2",
        });
        await shop.kill();
        expect((await shop.status()).running).toBe(false);
        expect(await client.heal()).toEqual(["restarted shop"]);
        expect((await buyer.requestDelivery(purchase)).status).toBe(200);
        delivered.push(purchase.digest);
        expect((await new RemoteBank(client).status()).facts.brokerId).toBe(network.brokerId);

        await expect(new ControlClient(control.url, "wrong").heal()).rejects.toThrow(/bearer token/);
        await expect(client.call("shop", "constructor")).rejects.toThrow(/no control method/);
      } finally {
        await control.close();
      }
    },
    PROCESS_TEST_MS,
  );

  it(
    "settlement charges each delivered order once",
    async () => {
      const report = await network.shop.settle();
      expect([...report.byBroker].sort()).toEqual([...delivered].sort());
      const after = (await network.bank.accounts()).find((a) => a.accountNumber === "1000-0001")!;
      expect(after.balance.value).toBe("4.95");
      expect(after.held.value).toBe("0.00");
      expect((await network.shop.settle()).byBroker).toEqual([]);
    },
    PROCESS_TEST_MS,
  );
});

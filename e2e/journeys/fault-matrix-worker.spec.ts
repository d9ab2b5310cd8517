/**
 * The fault matrix's "the Wallet's service worker stopped" row (issue 11), in real Chromium: for each
 * step boundary a purchase is driven to it, the Wallet's worker is stopped there (CDP), recovery
 * runs by itself (the page's wait is re-sent, the new worker resumes from IndexedDB and its outbox),
 * and after settlement the invariant is judged from the broker's ledger, the shop's store, the
 * host's record and the Wallet's purchase. A violation fails the cell; every cell is written to
 * e2e/.fault-matrix/browser.json for the combined table.
 */
import type { Page, Worker } from "@playwright/test";
import {
  type Boundary,
  boundaries,
  type CellResult,
  writeSuiteResult,
} from "../../scripts/fault-matrix/matrix";
import { type E2eNetwork, expect, test, type WalletPages } from "../fixtures";
import {
  addDemoBankPaycard,
  clickPay,
  markWalletWorker,
  settleAndJudge,
  settledBalanceMicros,
  stopWalletWorker,
  violationsOf,
  waitForWalletRegistered,
  walletOutboxPending,
  walletPurchase,
  walletWorkerRestarted,
} from "../steps";

const item = "article-1";

interface Strike {
  shop: Page;
  confirm: Page;
  network: E2eNetwork;
  wallet: WalletPages;
  serviceWorker: Worker;
  stop(): Promise<void>;
}

/**
 * How one boundary is struck. `held`: the worker was stopped while the purchase stood at the
 * boundary; `deliveryRequests`: how many Request Order Delivery requests the shop answers for the
 * order if it did (2 where the stopped worker's request was lost and the new worker asked again).
 */
type StrikeAt = (s: Strike) => Promise<{ held: boolean; deliveryRequests: 1 | 2; note: string }>;

/** Stops the worker while the shop holds the Wallet's Request Order Delivery at `point`, then lets it go. */
function whileShopHolds(
  point: "order_accepted" | "deliver" | "commit_checked" | "answered",
  note: string,
): StrikeAt {
  return async ({ confirm, network, stop }) => {
    await network.shop.arm(point, "pause", { itemId: item });
    await confirm.getByTestId("approve").click();
    const held = await network.shop.waitFor(point, { itemId: item });
    await stop();
    await network.shop.continue(point);
    return { held: held.action === "pause", deliveryRequests: 2, note };
  };
}

const strikes = {
  after_get_order: async ({ shop, confirm, stop }) => {
    await expect(confirm.getByTestId("approve")).toBeEnabled();
    await expect(shop.getByTestId(`quickpay-status-${item}`)).toHaveAttribute("data-progress", "confirming");
    await stop();
    await confirm.getByTestId("approve").click();
    return {
      held: true,
      deliveryRequests: 1,
      note: "stopped while the confirmation window was open (the order fetched and checked, nothing approved); the approval started a new worker, which paid from IndexedDB",
    };
  },
  after_inquiry_payment: whileShopHolds(
    "order_accepted",
    "stopped while the shop held Request Order Delivery at order_accepted: the bank's endorsement was stored, the request in flight died with the worker; the new worker re-sent it from the outbox",
  ),
  inside_deliver: whileShopHolds(
    "deliver",
    "stopped while the shop's deliver() was held (the order accepted, nothing claimed yet); the new worker re-sent Request Order Delivery and got the delivery the first request had started",
  ),
  after_check_commit: whileShopHolds(
    "commit_checked",
    "stopped after the bank said the endorsement was live (the hold claimed for the shop), before DELIVERED was written and answered",
  ),
  after_answer_sent: whileShopHolds(
    "answered",
    "the shop's answer was ready (held at answered) when the worker died, so it was written to a dead connection and lost with the worker; the new worker asked again and got the stored reply",
  ),
  before_register_order: async ({ shop, confirm, network, wallet, serviceWorker, stop }) => {
    // The host goes down once the goods are made: Check Commit still succeeds (the bank's directory
    // cache still holds the shop from Inquiry Payment) and the Wallet gets the article, but its
    // Register Order hangs on a host that accepts the connection and never answers.
    await network.shop.arm("order_prepared", "pause", { itemId: item });
    await confirm.getByTestId("approve").click();
    await network.shop.waitFor("order_prepared", { itemId: item });
    await network.host.suspend();
    await network.shop.continue("order_prepared");
    await expect(shop.getByTestId(`quickpay-status-${item}`)).toHaveAttribute("data-state", "delivered");
    const purchase = await walletPurchase(serviceWorker, { itemId: item });
    const hanging = (await walletOutboxPending(serviceWorker)).some(
      (i) => i.type === "RegisterOrder" && i.purchaseId === purchase?.purchaseId,
    );
    await stop();
    await network.host.resume();
    // Nothing waits on the worker now (the page has its article); opening the popup starts it.
    await (await wallet.open("popup")).getByTestId("wallet-id").waitFor();
    return {
      held: hanging && purchase?.registered === false,
      deliveryRequests: 1,
      note: "the host was suspended once the shop had the goods ready, so the Wallet got the article but its Register Order hung; the worker stopped with it unacknowledged; the host resumed and the popup started a new worker, which registered the order",
    };
  },
} satisfies Record<Boundary, StrikeAt>;

const cells: CellResult[] = [];

test.afterAll(() => {
  writeSuiteResult({ suite: "browser", cells });
});

for (const boundary of Object.keys(strikes) as Boundary[]) {
  test(`worker stopped ${boundaries[boundary]}: delivered once or not charged`, async ({
    context,
    wallet,
    network,
    serviceWorker,
    extensionId,
  }) => {
    await waitForWalletRegistered(wallet, network);
    const account = network.accounts[0]!;
    await addDemoBankPaycard(wallet, account);
    const settledBefore = await settledBalanceMicros(network, account.accountNumber);

    const shop = await context.newPage();
    await shop.goto(network.shopUrl);
    const confirm = await clickPay(shop, item);
    await markWalletWorker(serviceWorker);
    const cell: CellResult = { boundary, fault: "worker_stopped", struck: false };
    try {
      const strike = await strikes[boundary]({
        shop,
        confirm,
        network,
        wallet,
        serviceWorker,
        stop: () => stopWalletWorker(shop, extensionId),
      });
      cell.note = strike.note;
      const status = shop.getByTestId(`quickpay-status-${item}`);
      await expect(status).toHaveAttribute("data-state", /delivered|error/, { timeout: 60_000 });
      const restarted = await walletWorkerRestarted(serviceWorker);
      const purchase = await walletPurchase(serviceWorker, { itemId: item });
      expect(purchase, "the Wallet has no purchase for the item").not.toBeNull();
      const answered = (await network.shop.seen("answered")).filter(
        (r) => r.orderDigest === purchase!.orderDigest,
      ).length;
      cell.struck = strike.held && restarted && answered === strike.deliveryRequests;
      const verdict = await settleAndJudge({
        network,
        serviceWorker,
        orderDigest: purchase!.orderDigest,
        accountNumber: account.accountNumber,
        settledBefore,
      });
      if ("outcome" in verdict) cell.outcome = verdict.outcome;
      else cell.violations = violationsOf(verdict);
    } catch (error) {
      cell.violations = [
        `the cell did not finish: ${error instanceof Error ? error.message : String(error)}`,
      ];
      throw error;
    } finally {
      cells.push(cell);
    }
    expect(cell.violations ?? []).toEqual([]);
    expect(
      cell.struck,
      "the worker was not stopped at the boundary, did not restart, or the shop was asked an unexpected number of times",
    ).toBe(true);
    expect([1, 2]).toContain(cell.outcome);
  });
}

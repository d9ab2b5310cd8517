/**
 * The shop's content store is down for one call: its deliver() throws once. The shopper clicks and
 * approves once; the page says the payment is made and the shop is being waited for, and the article
 * arrives without a second click, charged exactly once — every party's record agreeing (outcome 1).
 */
import { expect, test } from "../fixtures";
import {
  addDemoBankPaycard,
  cents,
  clickPay,
  payButton,
  readBalance,
  settleAndJudge,
  settledBalanceMicros,
  snapshot,
  violationsOf,
  waitForWalletRegistered,
} from "../steps";

const item = "article-2";

test("deliver() failing once: the shopper waits, then gets the article without clicking again, charged once", async ({
  context,
  wallet,
  network,
  serviceWorker,
}) => {
  await waitForWalletRegistered(wallet, network);
  const account = network.accounts[0]!;
  await addDemoBankPaycard(wallet, account);
  const before = await readBalance(wallet);
  const settledBefore = await settledBalanceMicros(network, account.accountNumber);

  await network.shop.arm("deliver", "throw", { itemId: item });
  // The Wallet retries within about a second; the shop's second try is held once its content is
  // ready, so the waiting state stays on screen long enough to be seen — and it is the Wallet's
  // retry, not a click, that got the shop there.
  await network.shop.arm("order_prepared", "pause", { itemId: item });

  const shop = await context.newPage();
  await shop.goto(network.shopUrl);
  const confirm = await clickPay(shop, item);
  await confirm.getByTestId("approve").click();

  const button = payButton(shop, item);
  const status = shop.getByTestId(`quickpay-status-${item}`);
  const failed = await network.shop.waitFor("deliver_failed", { itemId: item });
  await expect(button).toHaveAttribute("data-progress", "waiting_for_shop");
  await expect(status).toHaveAttribute("data-state", "paying");
  await expect(status).toContainText(/paid — waiting for the shop/i);
  await expect(button).toHaveAttribute("aria-disabled", "true");
  await network.shop.waitFor("order_prepared", { itemId: item });
  await snapshot(shop, "delivery-retry-1-waiting-for-shop");

  // The Wallet says so too, in words, while it keeps trying.
  const popup = await wallet.open("popup");
  const row = popup.getByTestId("order-item");
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute("data-status", "waiting_for_shop");
  await expect(row.getByTestId("order-status")).toContainText(/waiting for the shop/i);
  await snapshot(popup, "delivery-retry-2-popup-waiting");
  await popup.close();

  await network.shop.continue("order_prepared");
  const article = shop.getByTestId(`article-body-${item}`);
  await expect(status).toHaveAttribute("data-state", "delivered");
  await expect(status).toContainText(/thank you/i);
  await expect(article).not.toBeEmpty();
  await expect(article).toHaveAttribute("data-quickpay-delivered", failed.orderDigest!);
  await expect(article).not.toHaveAttribute("data-quickpay-restored", "true");
  await snapshot(shop, "delivery-retry-3-delivered-after-retry");

  // deliver() ran twice for the one order — it failed, then the Wallet's retry found it working —
  // and the shop delivered it once. (A repeat continues from ACCEPTED without a new order_accepted,
  // so the second deliver() report knows the item, not the commitment: count from the failure on.)
  const thrown = (await network.shop.seen("deliver")).find(
    (r) => r.action === "throw" && r.commitId === failed.commitId,
  );
  const delivers = (await network.shop.seen("deliver")).filter(
    (r) => r.itemId === item && r.seq >= (thrown?.seq ?? Number.POSITIVE_INFINITY),
  );
  expect(delivers.map((r) => r.action ?? "ran")).toEqual(["throw", "ran"]);
  const ofOrder = async (point: "deliver_failed" | "order_delivered") =>
    (await network.shop.seen(point)).filter((r) => r.commitId === failed.commitId).length;
  expect(await ofOrder("deliver_failed")).toBe(1);
  expect(await ofOrder("order_delivered")).toBe(1);

  const after = await readBalance(wallet);
  expect(cents(before) - cents(after)).toBe(1);
  const history = await wallet.open("popup");
  await expect(history.getByTestId("order-item")).toHaveCount(1);
  await expect(history.getByTestId("order-item")).toHaveAttribute("data-status", "delivered");
  await expect(history.getByTestId("order-item")).toHaveAttribute("data-order-digest", failed.orderDigest!);
  await expect(history.getByTestId("order-status")).toHaveText("Delivered");

  const verdict = await settleAndJudge({
    network,
    serviceWorker,
    orderDigest: failed.orderDigest!,
    accountNumber: account.accountNumber,
    settledBefore,
  });
  expect(violationsOf(verdict)).toEqual([]);
  expect(verdict).toMatchObject({ outcome: 1 });
});

/**
 * The service worker is the Wallet's protocol engine and the browser may stop it at any moment (MV3).
 * Here it dies while the confirmation window is open and the page is waiting for the outcome; the
 * approval must still pay exactly once, deliver the article, and reach the host from all three sides.
 */
import { expect, test } from "../fixtures";
import {
  addDemoBankPaycard,
  cents,
  clickPay,
  expectHostSawAllThreeSides,
  readBalance,
  stopWalletWorker,
  waitForWalletRegistered,
} from "../steps";

test("the Wallet survives its service worker dying mid-purchase", async ({
  context,
  wallet,
  network,
  serviceWorker,
  extensionId,
}) => {
  const walletId = await waitForWalletRegistered(wallet, network);
  await addDemoBankPaycard(wallet, network.accounts[1]!);
  const before = await readBalance(wallet);

  const shop = await context.newPage();
  await shop.goto(network.shopUrl);
  const confirm = await clickPay(shop, "article-3");
  await expect(confirm.getByTestId("confirm-amount")).toContainText("$0.01");
  await expect(confirm.getByTestId("approve")).toBeEnabled();
  const status = shop.getByTestId("quickpay-status-article-3");
  await expect(status).toHaveAttribute("data-state", "paying");

  // A mark in the worker's globals: a restarted worker does not have it.
  await serviceWorker.evaluate(() => {
    (globalThis as { quickpayE2eMark?: string }).quickpayE2eMark = "before-stop";
  });
  await stopWalletWorker(shop, extensionId);
  await expect(status).toHaveAttribute("data-state", "paying");

  await confirm.getByTestId("approve").click();
  const article = shop.locator("#article-3-body");
  await expect(status).toHaveAttribute("data-state", "delivered");
  await expect(article).not.toBeEmpty();
  const digest = await article.getAttribute("data-quickpay-delivered");
  expect(digest).toMatch(/^[0-9a-f]{64}$/);
  const mark = await serviceWorker.evaluate(
    () => (globalThis as { quickpayE2eMark?: string }).quickpayE2eMark ?? null,
  );
  expect(mark).toBeNull();

  const after = await readBalance(wallet);
  expect(cents(before) - cents(after)).toBe(1);
  const popup = await wallet.open("popup");
  await expect(popup.getByTestId("order-item")).toHaveCount(1);
  await expect(popup.getByTestId("order-item").first()).toHaveAttribute("data-status", "delivered");
  await expect(popup.getByTestId("order-item").first()).toHaveAttribute("data-order-digest", digest!);

  // Register Order may have been queued by the restarted worker; the host hears all three sides.
  await expectHostSawAllThreeSides(network, digest!, walletId);
});

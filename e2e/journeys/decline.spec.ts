/** Declining in the confirmation window pays nothing, the page says so, and the history keeps the attempt. */
import { expect, test } from "../fixtures";
import { addDemoBankPaycard, clickPay, readBalance, waitForWalletRegistered } from "../steps";

test("declining leaves the balance unchanged and the page shows declined", async ({
  context,
  wallet,
  network,
}) => {
  await waitForWalletRegistered(wallet, network);
  await addDemoBankPaycard(wallet, network.accounts[1]!);
  const before = await readBalance(wallet);

  const shop = await context.newPage();
  await shop.goto(network.shopUrl);
  const confirm = await clickPay(shop, "article-2");
  await confirm.getByTestId("decline").click();

  const status = shop.getByTestId("quickpay-status-article-2");
  await expect(status).toHaveAttribute("data-state", "error");
  await expect(status).toContainText(/declined/i);
  await expect(status).toHaveAttribute("data-error-code", "declined");
  await expect(shop.locator("#article-2-body")).toBeEmpty();
  expect(await readBalance(wallet)).toBe(before);
  // The history keeps every attempt: the declined one is there, uncharged.
  const popup = await wallet.open("popup");
  await expect(popup.getByTestId("order-item")).toHaveCount(1);
  await expect(popup.getByTestId("order-item").first()).toHaveAttribute("data-status", "declined");
  await expect(popup.getByTestId("order-status").first()).toHaveText("Declined");
});

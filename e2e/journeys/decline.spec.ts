/** Declining in the confirmation window pays nothing and the page says so. */
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

  const state = shop.locator('[data-quickpay-state="error"]').first();
  await expect(state).toBeVisible();
  await expect(shop.getByText(/declined/i).first()).toBeVisible();
  await expect(shop.locator("#article-2-body")).toBeEmpty();
  expect(await readBalance(wallet)).toBe(before);
  const popup = await wallet.open("popup");
  await expect(popup.getByTestId("order-item")).toHaveCount(0);
});

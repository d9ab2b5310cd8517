/**
 * The walking skeleton's story: a new Wallet registers, the shopper adds the demo bank Paycard (a
 * wrong PIN first, refused visibly), buys a one-cent article, and every side of the purchase agrees.
 */
import { expect, test } from "../fixtures";
import {
  addDemoBankPaycard,
  cents,
  clickPay,
  expectHostSawAllThreeSides,
  readBalance,
  waitForWalletRegistered,
} from "../steps";

test("a shopper buys a one-cent article through all five players", async ({ context, wallet, network }) => {
  const walletId = await waitForWalletRegistered(wallet, network);
  const account = network.accounts[0]!;
  await addDemoBankPaycard(wallet, account, { firstTryWrongPin: true });
  const before = await readBalance(wallet);
  // What the bank says the account can spend now (an earlier journey may have bought with it too).
  const live = (await network.bank.accounts()).find((a) => a.accountNumber === account.accountNumber)!;
  expect(before).toBe(`$${live.available.value}`);

  const shop = await context.newPage();
  await shop.goto(network.shopUrl);
  const confirm = await clickPay(shop, "article-1");
  await expect(confirm.getByTestId("confirm-vendor-name")).toHaveText("The Daily Cent");
  await expect(confirm.getByTestId("confirm-vendor-origin")).toHaveText(network.shopUrl);
  await expect(confirm.getByTestId("confirm-amount")).toContainText("$0.01");
  await expect(confirm.getByTestId("confirm-paycard")).toContainText(/demo bank/i);
  await confirm.getByTestId("approve").click();

  const article = shop.locator("#article-1-body");
  await expect(article).not.toBeEmpty();
  await expect(shop.getByTestId("quickpay-status-article-1")).toHaveAttribute("data-state", "delivered");
  const digest = await article.getAttribute("data-quickpay-delivered");
  expect(digest).toMatch(/^[0-9a-f]{64}$/);

  const after = await readBalance(wallet);
  expect(cents(before) - cents(after)).toBe(1);
  const popup = await wallet.open("popup");
  await expect(popup.getByTestId("order-item")).toHaveCount(1);
  const row = popup.getByTestId("order-item").first();
  await expect(row).toContainText("$0.01");
  await expect(row).toHaveAttribute("data-status", "delivered");
  await expect(row).toHaveAttribute("data-order-digest", digest!);
  await expect(row.getByTestId("order-status")).toHaveText("Delivered");
  await expect(row.locator("time")).toHaveAttribute("datetime", /^\d{4}-\d{2}-\d{2}T/);

  // The host saw the order from three sides, and they agree.
  await expectHostSawAllThreeSides(network, digest!, walletId);
});

/** A page on an origin that no registered vendor owns gets a refusal, and no window opens. */
import { expect, test } from "../fixtures";
import { addDemoBankPaycard, payButton, waitForWalletRegistered } from "../steps";

test("an unregistered origin is refused without a confirmation window", async ({
  context,
  wallet,
  network,
}) => {
  await waitForWalletRegistered(wallet, network);
  await addDemoBankPaycard(wallet, network.accounts[0]!);

  const page = await context.newPage();
  await page.goto(network.impostorUrl);
  const pagesBefore = context.pages().length;
  await payButton(page, "article-1").click();

  const status = page.getByTestId("quickpay-status-article-1");
  await expect(status).toHaveAttribute("data-state", "error");
  // In words for the shopper; the code stays for developers, in an attribute.
  await expect(status).toContainText("not a registered QuickPay shop");
  await expect(status).not.toContainText("not_a_vendor");
  await expect(status).toHaveAttribute("data-error-code", "not_a_vendor");
  await expect(payButton(page, "article-1")).toHaveAttribute("data-error-code", "not_a_vendor");
  await expect(page.locator("#article-1-body")).toBeEmpty();
  expect(context.pages().some((p) => p.url().includes("confirm"))).toBe(false);
  expect(context.pages().length).toBe(pagesBefore);
});

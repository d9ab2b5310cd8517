/**
 * A bought article is the shopper's: reloading the shop brings it back by itself, from the Wallet's
 * receipt, with no window and no charge; other articles still sell as before; and asking to pay
 * for the bought one again offers the copy first ("You bought this on …"), delivered free.
 */
import type { BrowserContext } from "@playwright/test";
import type { QuickPayProvider } from "@quickpay/protocol";
import { expect, test } from "../fixtures";
import {
  addDemoBankPaycard,
  cents,
  clickPay,
  payButton,
  readBalance,
  snapshot,
  waitForWalletRegistered,
} from "../steps";

/** Every confirmation window that opens from now on. */
function watchConfirmations(context: BrowserContext): string[] {
  const opened: string[] = [];
  context.on("page", (p) => {
    if (p.url().includes("confirm")) opened.push(p.url());
  });
  return opened;
}

test("reloading the shop brings a bought article back, unchanged balance, and paying again offers the copy", async ({
  context,
  wallet,
  network,
}) => {
  await waitForWalletRegistered(wallet, network);
  await addDemoBankPaycard(wallet, network.accounts[1]!);
  const start = await readBalance(wallet);

  const shop = await context.newPage();
  await shop.goto(network.shopUrl);
  const confirm = await clickPay(shop, "article-1");
  await confirm.getByTestId("approve").click();
  const body1 = shop.getByTestId("article-body-article-1");
  await expect(shop.getByTestId("quickpay-status-article-1")).toHaveAttribute("data-state", "delivered");
  const digest = await body1.getAttribute("data-quickpay-delivered");
  expect(digest).toMatch(/^[0-9a-f]{64}$/);
  const text = (await body1.textContent()) ?? "";
  const bought = await readBalance(wallet);
  expect(cents(start) - cents(bought)).toBe(1);

  // Reload: the article comes back by itself, and says it was bought before.
  const opened = watchConfirmations(context);
  await shop.reload();
  const status1 = shop.getByTestId("quickpay-status-article-1");
  await expect(body1).toHaveAttribute("data-quickpay-restored", "true");
  await expect(body1).toHaveAttribute("data-quickpay-delivered", digest!);
  await expect(body1).toHaveText(text);
  await expect(status1).toHaveAttribute("data-state", "delivered");
  await expect(status1).toContainText(/bought on .+ here it is again/i);
  await expect(payButton(shop, "article-1")).toBeDisabled();
  // The other articles were not bought: their buttons wait for a click.
  await expect(shop.getByTestId("quickpay-status-article-2")).toHaveAttribute("data-state", "idle");
  await expect(shop.getByTestId("article-body-article-2")).toBeEmpty();
  await snapshot(shop, "receipt-restore-1-restored-after-reload");
  expect(opened).toEqual([]);
  expect(context.pages().filter((p) => p.url().includes("confirm"))).toHaveLength(0);
  expect(await readBalance(wallet)).toBe(bought);

  // Another article still sells as usual: a window without "bought before", a cent, the article.
  const confirm2 = await clickPay(shop, "article-2");
  await expect(confirm2.getByTestId("approve")).toHaveText("Pay $0.01");
  await expect(confirm2.getByTestId("bought-before")).toHaveCount(0);
  await confirm2.getByTestId("approve").click();
  const body2 = shop.getByTestId("article-body-article-2");
  await expect(shop.getByTestId("quickpay-status-article-2")).toHaveAttribute("data-state", "delivered");
  await expect(body2).not.toBeEmpty();
  await expect(body2).not.toHaveAttribute("data-quickpay-restored", "true");
  const boughtTwo = await readBalance(wallet);
  expect(cents(bought) - cents(boughtTwo)).toBe(1);

  // Asking to pay for the bought article again — the request its button sends, which the button
  // itself no longer offers once restored — opens the window with the copy first; it costs nothing.
  const confirmation = context.waitForEvent("page", (p) => p.url().includes("confirm"));
  const again = shop.evaluate(() =>
    (window as unknown as { quickpay: QuickPayProvider }).quickpay.request({
      method: "pay",
      params: { itemId: "article-1" },
    }),
  );
  const confirm3 = await confirmation;
  await expect(confirm3.getByTestId("bought-before")).toContainText(/you bought this on/i);
  await expect(confirm3.getByTestId("bought-before").locator("time")).toHaveAttribute("datetime", /^\d{4}-/);
  await expect(confirm3.getByTestId("use-receipt")).toHaveText("Open my copy (no charge)");
  await expect(confirm3.getByTestId("use-receipt")).toBeFocused();
  await expect(confirm3.getByTestId("approve")).toHaveText("Pay again $0.01");
  await snapshot(confirm3, "receipt-restore-2-bought-before-window");
  const closed = confirm3.waitForEvent("close");
  await confirm3.getByTestId("use-receipt").click();
  await closed;
  const result = await again;
  expect(result.status).toBe("restored");
  expect(result.orderDigest).toBe(digest);
  expect(result.content.body).not.toBe("");
  expect(await readBalance(wallet)).toBe(boughtTwo);

  // The history: two purchases and the copy, which was not charged.
  const popup = await wallet.open("popup");
  const rows = popup.getByTestId("order-item");
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toHaveAttribute("data-status", "restored");
  await expect(rows.nth(1)).toHaveAttribute("data-status", "delivered");
  await expect(rows.nth(2)).toHaveAttribute("data-status", "delivered");
  await expect(rows.nth(2)).toHaveAttribute("data-order-digest", digest!);
  await snapshot(popup, "receipt-restore-3-popup-history");
});

/**
 * Per-vendor allowances: the shopper ticks "Don't ask again on this shop" under Pay; the next
 * purchase on that shop completes with no window, is in the history marked as paid by allowance, and
 * the popup shows what is left. Lowered in the options page until nothing is left, the next purchase
 * opens the window instead (a page cannot pay past it). When the clock passes the period (the
 * allowance's period start set to yesterday in the Wallet's IndexedDB, what midnight does), it is
 * whole again and pays with no window.
 */
import type { BrowserContext, Page } from "@playwright/test";
import { expect, test } from "../fixtures";
import {
  addDemoBankPaycard,
  cents,
  clickPay,
  payButton,
  readBalance,
  snapshot,
  snapshotConfirmWindow,
  waitForWalletRegistered,
} from "../steps";

/** Every confirmation window that opens from now on. */
function watchConfirmations(context: BrowserContext): Page[] {
  const opened: Page[] = [];
  context.on("page", (p) => {
    if (p.url().includes("confirm")) opened.push(p);
  });
  return opened;
}

test("an allowance set in the window pays the next purchases with no window, stops at its limit, and renews", async ({
  context,
  wallet,
  network,
  serviceWorker,
}) => {
  await waitForWalletRegistered(wallet, network);
  await addDemoBankPaycard(wallet, network.accounts[1]!);
  const start = await readBalance(wallet);

  const shop = await context.newPage();
  await shop.goto(network.shopUrl);

  // 1. The window offers the allowance under Pay; the shopper sets "up to $0.05 per day".
  const confirm = await clickPay(shop, "article-1");
  const offer = confirm.getByTestId("confirm-allowance-offer");
  await expect(offer).toBeVisible();
  await expect(offer).toContainText("Don't ask again on this shop");
  await confirm.getByTestId("confirm-allowance-on").check();
  await confirm.getByTestId("confirm-allowance-limit").selectOption("0.05");
  await expect(confirm.getByTestId("confirm-allowance-period")).toHaveValue("day");
  await offer.scrollIntoViewIfNeeded();
  await snapshotConfirmWindow(confirm, "confirm-allowance-offer");
  await confirm.getByTestId("approve").click();
  await expect(shop.getByTestId("quickpay-status-article-1")).toHaveAttribute("data-state", "delivered");

  // 2. The next purchase on this shop: no window, delivered, marked in the history.
  const opened = watchConfirmations(context);
  await payButton(shop, "article-2").click();
  await expect(shop.getByTestId("quickpay-status-article-2")).toHaveAttribute("data-state", "delivered");
  await expect(shop.locator("#article-2-body")).not.toBeEmpty();
  expect(opened).toHaveLength(0);
  expect(cents(start) - cents(await readBalance(wallet))).toBe(2);

  const popup = await wallet.open("popup");
  const row = popup.getByTestId("popup-allowance");
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId("popup-allowance-left")).toHaveText("$0.03 left");
  await expect(row).toContainText("of $0.05 per day");
  const auto = popup.getByTestId("order-item").first();
  await expect(auto).toHaveAttribute("data-status", "delivered");
  await expect(auto.getByTestId("order-paid-by")).toHaveText("Allowance");
  await popup.close();

  // 3. The options page lowers it to $0.02: nothing is left today.
  const options = await wallet.open("options");
  const item = options.getByTestId("allowance-item");
  await expect(item).toHaveCount(1);
  await expect(item).toHaveAttribute("data-origin", network.shopUrl);
  await item.getByTestId("allowance-edit").click();
  await item.getByTestId("allowance-edit-limit").fill("0.02");
  await item.getByTestId("allowance-save").click();
  await expect(options.getByTestId("allowance-notice")).toContainText("up to $0.02 per day");
  await expect(item.getByTestId("allowance-left")).toContainText("$0.00 left today of $0.02 per day");
  await options.setViewportSize({ width: 900, height: 700 });
  await options.locator("#allowances").scrollIntoViewIfNeeded();
  await options
    .locator("#allowances")
    .screenshot({ path: await snapshotPath(options, "options-allowances") });

  // 4. Past the allowance: the window opens instead, and says why. Declined: nothing is paid.
  const balanceBefore = await readBalance(wallet);
  const over = await clickPay(shop, "article-3");
  await expect(over.getByTestId("confirm-allowance-exceeded")).toContainText("$0.00 left today");
  await over.getByTestId("decline").click();
  await expect(shop.getByTestId("quickpay-status-article-3")).toHaveAttribute("data-error-code", "declined");
  expect(await readBalance(wallet)).toBe(balanceBefore);

  // 5. The clock passes the period: the allowance's period began yesterday, so today starts whole.
  await serviceWorker.evaluate(async () => {
    type Global = {
      quickpayWallet(): Promise<{ db: import("../../extension/src/background/db").WalletDatabase }>;
    };
    const { db } = await (globalThis as unknown as Global).quickpayWallet();
    const [a] = await db.getAll("allowances");
    if (!a) throw new Error("no allowance stored");
    const now = new Date();
    const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
    await db.put("allowances", { ...a, periodStart: yesterday.toISOString() });
  });
  const renewed = await wallet.open("popup");
  await expect(renewed.getByTestId("popup-allowance-left")).toHaveText("$0.02 left");
  await renewed.close();

  // The declined page's cool-down (3 s) passes, then the purchase fits again: no window.
  await shop.waitForTimeout(3_200);
  const openedAfter = watchConfirmations(context);
  await payButton(shop, "article-3").click();
  await expect(shop.getByTestId("quickpay-status-article-3")).toHaveAttribute("data-state", "delivered");
  expect(openedAfter).toHaveLength(0);
  expect(cents(balanceBefore) - cents(await readBalance(wallet))).toBe(1);

  const last = await wallet.open("popup");
  await expect(last.getByTestId("popup-allowance-left")).toHaveText("$0.01 left");
  await last.setViewportSize({ width: 360, height: 600 });
  await snapshot(last, "popup-allowances");
});

/** Where `snapshot` would save `name` (an element screenshot goes to the same folder). */
async function snapshotPath(page: Page, name: string): Promise<string> {
  const file = await snapshot(page, `${name}-page`);
  return file.replace(/-page\.png$/, ".png");
}

/** Steps the journeys share, written the way a shopper would do them. */
import type { Page } from "@playwright/test";
import { expect, type NetworkInfo, type WalletPages } from "./fixtures";

/** Waits until the Wallet has registered itself with the host on first run; returns its id. */
export async function waitForWalletRegistered(wallet: WalletPages, network: NetworkInfo): Promise<string> {
  const popup = await wallet.open("popup");
  const walletId = popup.getByTestId("wallet-id");
  await expect(walletId).toHaveText(/w_[0-9a-f]{32}/);
  const id = ((await walletId.textContent()) ?? "").match(/w_[0-9a-f]{32}/)![0];
  const entry = await fetch(`${network.hostUrl}/v1/directory/${id}`);
  expect(entry.status).toBe(200);
  await popup.close();
  return id;
}

/** Adds the demo bank Paycard in the options page by answering the broker's questions. */
export async function addDemoBankPaycard(
  wallet: WalletPages,
  account: { accountNumber: string; pin: string },
  options: { firstTryWrongPin?: boolean } = {},
): Promise<void> {
  const page = await wallet.open("options");
  await page.getByTestId("add-paycard-demo-bank").click();
  await page.getByTestId("question-accountNumber").fill(account.accountNumber);
  if (options.firstTryWrongPin) {
    await page.getByTestId("question-pin").fill(account.pin === "9999" ? "9998" : "9999");
    await page.getByTestId("submit-answers").click();
    await expect(page.getByTestId("paycard-error")).toBeVisible();
    await expect(page.getByTestId("paycard-error")).toContainText(/pin|answer|wrong/i);
    await expect(page.getByTestId("paycard-item")).toHaveCount(0);
  }
  await page.getByTestId("question-pin").fill(account.pin);
  await page.getByTestId("submit-answers").click();
  await expect(page.getByTestId("paycard-item")).toHaveCount(1);
  await page.close();
}

/** Reads the active Paycard's available balance from the popup, e.g. "$4.99". */
export async function readBalance(wallet: WalletPages): Promise<string> {
  const popup = await wallet.open("popup");
  const balance = popup.getByTestId("balance");
  await expect(balance).toHaveText(/\$\d+\.\d{2}/);
  const text = ((await balance.textContent()) ?? "").match(/\$\d+\.\d+/)![0];
  await popup.close();
  return text;
}

export function cents(display: string): number {
  const [whole, frac = ""] = display.replace("$", "").split(".");
  return Number(whole) * 100 + Number(frac.padEnd(2, "0").slice(0, 2));
}

/** Clicks an article's pay button and returns the confirmation window the Wallet opens. */
export async function clickPay(page: Page, itemId: string): Promise<Page> {
  const confirmation = page.context().waitForEvent("page", (p) => p.url().includes("confirm"));
  await payButton(page, itemId).click();
  const confirm = await confirmation;
  await confirm.waitForLoadState();
  return confirm;
}

export function payButton(page: Page, itemId: string) {
  return page
    .locator(`quickpay-button[item="${itemId}"] button, button[data-quickpay-item="${itemId}"]`)
    .first();
}

/**
 * Stops every service worker of the profile, the Wallet's included, through the DevTools protocol
 * (docs/notes/playwright-mv3-recipe.md, gotcha 8), and waits until the browser reports the Wallet's
 * worker stopped: its globals and in-memory waiters are gone; the next message starts a new one.
 */
export async function stopWalletWorker(page: Page, extensionId: string): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const walletScript = `chrome-extension://${extensionId}/`;
  let asked = false;
  let stopped = false;
  cdp.on("ServiceWorker.workerVersionUpdated", ({ versions }) => {
    const wallet = versions.filter((v) => v.scriptURL.startsWith(walletScript));
    if (asked && wallet.some((v) => v.runningStatus === "stopped")) stopped = true;
  });
  await cdp.send("ServiceWorker.enable");
  asked = true;
  await cdp.send("ServiceWorker.stopAllWorkers");
  await expect.poll(() => stopped, { message: "the Wallet's service worker did not stop" }).toBe(true);
  await cdp.detach();
}

/**
 * Waits until the host has all three registrations of `digest`, then checks they agree and name the
 * right players. The public view hides the wallet; the operator's view shows it.
 */
export async function expectHostSawAllThreeSides(network: NetworkInfo, digest: string, walletId: string) {
  const statusUrl = `${network.hostUrl}/v1/orders/${digest}`;
  await expect
    .poll(
      async () => {
        const got = await (await fetch(statusUrl)).json();
        return Boolean(got.commit && got.delivery && got.order);
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  const publicView = await (await fetch(statusUrl)).json();
  expect(publicView.order.from).toBeNull(); // nobody but the operator learns which wallet bought
  const status = await (
    await fetch(statusUrl, { headers: { authorization: `Bearer ${network.operatorToken}` } })
  ).json();
  expect(status.agree).toBe(true);
  expect(status.flagged).toBe(false);
  expect(status.commit.from).toBe(network.brokerId);
  expect(status.delivery.from).toBe(network.vendorId);
  expect(status.order.from).toBe(walletId);
  for (const side of [status.commit, status.delivery, status.order]) {
    expect(side.amount).toEqual({ currency: "USD", value: "0.01" });
    expect(side.vendorId).toBe(network.vendorId);
    expect(side.commitId).toBe(status.commit.commitId);
  }
}

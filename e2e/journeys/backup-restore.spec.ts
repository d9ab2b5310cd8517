/**
 * Backup and restore: in one browser profile the shopper adds a Paycard, buys an article and
 * downloads an encrypted backup from the options page; in a fresh profile (a new browser) a wrong
 * backup password is refused in words, the right one restores the Wallet — its Paycard, its history
 * with the article bought — and the restored Paycard buys another article.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, launchWallet, onboardingTab, test, WalletPages, walletWorker } from "../fixtures";
import { addDemoBankPaycard, clickPay, waitForWalletRegistered } from "../steps";

const BACKUP_PASSWORD = "seven quiet harbours";
const screenshots = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "test-results",
  "screenshots",
);

test("a backup restored into a fresh profile has the Paycard and the history, and buys", async ({
  context,
  wallet,
  network,
}) => {
  const walletId = await waitForWalletRegistered(wallet, network);
  await addDemoBankPaycard(wallet, network.accounts[1]!);
  const shop = await context.newPage();
  await shop.goto(network.shopUrl);
  const confirm = await clickPay(shop, "article-1");
  await confirm.getByTestId("approve").click();
  await expect(shop.getByTestId("quickpay-status-article-1")).toHaveAttribute("data-state", "delivered");
  await shop.close();

  // Download the backup from the options page (a short password is refused first).
  const options = await wallet.open("options");
  const backup = options.getByTestId("backup");
  await backup.getByTestId("backup-password").fill("short");
  await backup.getByTestId("backup-password-repeat").fill("short");
  await backup.getByTestId("backup-export").click();
  await expect(backup.getByTestId("backup-problem")).toContainText(/at least 8/);
  await backup.getByTestId("backup-password").fill(BACKUP_PASSWORD);
  await backup.getByTestId("backup-password-repeat").fill(BACKUP_PASSWORD);
  const downloading = options.waitForEvent("download");
  await backup.getByTestId("backup-export").click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^quickpay-wallet-backup-.*\.qpbackup$/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quickpay-backup-"));
  const file = path.join(dir, download.suggestedFilename());
  await download.saveAs(file);
  await expect(backup.getByTestId("backup-done")).toContainText(/1 Paycard/);
  // Tall enough that the section needs no scrolling under the sticky header.
  await options.setViewportSize({ width: 1280, height: 2800 });
  await backup.screenshot({ path: path.join(screenshots, "options-backup.png") });
  const text = fs.readFileSync(file, "utf8");
  expect(text.startsWith("QUICKPAY-WALLET-BACKUP 1\n")).toBe(true);
  expect(text).not.toContain(walletId);
  await options.close();

  // A fresh profile: a new browser with a new Wallet.
  const freshDir = fs.mkdtempSync(path.join(os.tmpdir(), "quickpay-profile-restore-"));
  const fresh = await launchWallet(freshDir);
  try {
    const welcome = await onboardingTab(fresh);
    await expect(welcome.getByTestId("onboarding-restore")).toBeVisible();
    await welcome.close();
    const worker = await walletWorker(fresh);
    const freshWallet = new WalletPages(fresh, new URL(worker.url()).host);
    const newId = await waitForWalletRegistered(freshWallet, network);
    expect(newId).not.toBe(walletId);

    const restore = await freshWallet.open("options");
    const section = restore.getByTestId("backup");
    await section.getByTestId("restore-file").setInputFiles(file);
    await section.getByTestId("restore-password").fill("not the backup password");
    await section.getByTestId("restore-submit").click();
    await expect(section.getByTestId("restore-error")).toContainText(/not this backup's password/i);
    await expect(restore.getByTestId("paycard-item")).toHaveCount(0);

    await section.getByTestId("restore-password").fill(BACKUP_PASSWORD);
    await section.getByTestId("restore-submit").click();
    // The page reloads on the restored Wallet.
    await expect(restore.getByTestId("restore-done")).toContainText(/1 Paycard and 1 purchase/);
    await expect(restore.getByTestId("paycard-item")).toHaveCount(1);
    await expect(restore.getByTestId("wallet-id")).toHaveText(walletId);
    await restore.close();

    // The history is there, and the restored Paycard pays.
    const popup = await freshWallet.open("popup");
    await expect(popup.getByTestId("order-item")).toHaveCount(1);
    await expect(popup.getByTestId("order-item").first()).toHaveAttribute("data-status", "delivered");
    await popup.close();

    const freshShop = await fresh.newPage();
    await freshShop.goto(network.shopUrl);
    const again = await clickPay(freshShop, "article-2");
    await expect(again.getByTestId("confirm-paycard")).toContainText(/demo bank/i);
    await again.getByTestId("approve").click();
    await expect(freshShop.locator("#article-2-body")).not.toBeEmpty();
    await expect(freshShop.getByTestId("quickpay-status-article-2")).toHaveAttribute(
      "data-state",
      "delivered",
    );

    const after = await freshWallet.open("popup");
    await expect(after.getByTestId("order-item")).toHaveCount(2);
  } finally {
    await fresh.close();
    fs.rmSync(freshDir, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Steps the journeys share, written the way a shopper would do them. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Page, Worker } from "@playwright/test";
import { parseMoney } from "@quickpay/protocol";
import { CONFIRM_WINDOW } from "../extension/src/background/confirm-queue";
import type { Wallet } from "../extension/src/background/wallet";
import { judge, readRecords, type Verdict, type WalletSide } from "../scripts/testing/invariant";
import { type E2eNetwork, expect, type NetworkInfo, type WalletPages } from "./fixtures";

/** Waits until the Wallet has registered itself with the host on first run; returns its id. */
export async function waitForWalletRegistered(wallet: WalletPages, network: NetworkInfo): Promise<string> {
  const popup = await wallet.open("popup");
  const walletId = popup.getByTestId("wallet-id");
  // The popup says "Connected to QuickPay" in words; the id itself is only in an attribute.
  await expect(walletId).toHaveAttribute("data-registered", "true");
  await expect(walletId).toHaveText("Connected to QuickPay");
  const id = (await walletId.getAttribute("data-wallet-id")) ?? "";
  expect(id).toMatch(/^w_[0-9a-f]{32}$/);
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

// ---- the invariant: settling the network and judging one purchase from all four records -------

/** One cent in micro-units: what every demo article costs. */
export const ONE_CENT_MICROS = 10_000;

/** How the service worker's global `quickpayWallet()` (extension/src/background/index.ts) is reached. */
type WalletGlobal = { quickpayWallet(): Promise<Wallet>; quickpayE2eMark?: string };

/**
 * What a purchase leaves to the players' background loops, done now: the bank's Register Commits
 * and the shop's Register Deliveries sent to the host, and the shop's delivered orders settled with
 * the bank (which captures the held cent then, not before).
 */
export async function settleNetwork(network: E2eNetwork): Promise<void> {
  await network.bank.flushOutbox();
  await network.shop.flushOutbox();
  await network.shop.settle();
}

/**
 * The account's settled balance in micro-units, after settling whatever the shop delivered so far
 * (earlier journeys' orders included), so two readings differ by what happened between them only.
 */
export async function settledBalanceMicros(network: E2eNetwork, accountNumber: string): Promise<number> {
  await settleNetwork(network);
  const account = (await network.bank.accounts()).find((a) => a.accountNumber === accountNumber);
  if (!account) throw new Error(`the demo bank has no account ${accountNumber}`);
  return parseMoney(account.balance).micros;
}

/**
 * The Wallet's newest purchase of `itemId` (or the one of `orderDigest`) as its IndexedDB record
 * says, read in the service worker, with the history's reason in words; null when there is none.
 * The worker must be running (a page waiting for a purchase, or an open Wallet page, keeps it so).
 */
export async function walletPurchase(
  serviceWorker: Worker,
  which: { itemId: string } | { orderDigest: string },
): Promise<(WalletSide & { orderDigest: string; purchaseId: string }) | null> {
  return serviceWorker.evaluate(async (which) => {
    const wallet = await (globalThis as unknown as WalletGlobal).quickpayWallet();
    const mine = (await wallet.db.getAll("purchases"))
      .filter((p) => ("itemId" in which ? p.itemId === which.itemId : p.orderDigest === which.orderDigest))
      // A restored attempt re-presents another purchase's order: the payment is the original.
      .filter((p) => p.status !== "restored")
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const p = mine[0];
    if (!p) return null;
    const row = (await wallet.handlers["history.page"]({ limit: 100 })).items.find(
      (i) => i.purchaseId === p.id,
    );
    return {
      purchaseId: p.id,
      orderDigest: p.orderDigest,
      status: p.status,
      hasContent: Boolean(p.receipt?.content.body),
      registered: p.registered,
      reason: row?.reason,
      reasonCode: row?.reasonCode,
    };
  }, which);
}

/** Outbox items the Wallet has not had acknowledged yet, by type (read in the service worker). */
export async function walletOutboxPending(
  serviceWorker: Worker,
): Promise<{ type: string; purchaseId?: string }[]> {
  return serviceWorker.evaluate(async () => {
    const wallet = await (globalThis as unknown as WalletGlobal).quickpayWallet();
    return (await wallet.outbox.pending()).map((i) => ({
      type: i.type,
      ...(i.purchaseId === undefined ? {} : { purchaseId: i.purchaseId }),
    }));
  });
}

/**
 * Waits until the Wallet's purchase of `orderDigest` has ended (delivered and registered with the
 * host, or ended without goods), settles the network, and judges the invariant from the four
 * parties' own records: 1 delivered, 2 not charged, or the violations in words.
 * `settledBefore` is `settledBalanceMicros` read before the purchase.
 */
export async function settleAndJudge(options: {
  network: E2eNetwork;
  serviceWorker: Worker;
  orderDigest: string;
  accountNumber: string;
  settledBefore: number;
}): Promise<Verdict> {
  const { network, serviceWorker, orderDigest } = options;
  let side: WalletSide | null = null;
  await expect
    .poll(
      async () => {
        side = await walletPurchase(serviceWorker, { orderDigest });
        if (!side) return "absent";
        if (["confirming", "paying", "waiting_for_shop"].includes(side.status)) return side.status;
        return side.status === "delivered" && !side.registered ? "delivered, not registered" : "ended";
      },
      { timeout: 60_000, message: "the Wallet's purchase did not end" },
    )
    .toBe("ended");
  const settledAfter = await settledBalanceMicros(network, options.accountNumber);
  const records = await readRecords(network, orderDigest, side!);
  return judge(records, ONE_CENT_MICROS, options.settledBefore - settledAfter);
}

/** The invariant's violations, for an assertion that prints them; empty when it held. */
export function violationsOf(verdict: Verdict): string[] {
  return "violations" in verdict ? verdict.violations : [];
}

/** Leaves a mark in the Wallet worker's globals: a worker started since does not have it. */
export async function markWalletWorker(serviceWorker: Worker): Promise<void> {
  await serviceWorker.evaluate(() => {
    (globalThis as unknown as WalletGlobal).quickpayE2eMark = "before-stop";
  });
}

/** Whether the running Wallet worker is a new one (it lacks `markWalletWorker`'s mark). */
export async function walletWorkerRestarted(serviceWorker: Worker): Promise<boolean> {
  return serviceWorker.evaluate(() => (globalThis as unknown as WalletGlobal).quickpayE2eMark === undefined);
}

/** Saves a screenshot of the page at a key state as e2e/test-results/screenshots/<name>.png. */
export async function snapshot(page: Page, name: string): Promise<string> {
  const file = path.join(screenshotsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const screenshotsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "test-results", "screenshots");

// ---- the confirmation window ------------------------------------------------------------------

/**
 * Adds a demo bank Paycard through the Wallet's own Add Paycard messages, sent in the service
 * worker (what the options page sends): for journeys about something else that need a second card.
 * Returns the new card's id.
 */
export async function addPaycardInWorker(
  serviceWorker: Worker,
  account: { accountNumber: string; pin: string },
  options: { makeActive: boolean },
): Promise<string> {
  return serviceWorker.evaluate(
    async ({ account, makeActive }) => {
      const wallet = await (globalThis as unknown as WalletGlobal).quickpayWallet();
      const step = await wallet.handlers["paycards.beginAdd"]({ moduleId: "demo-bank" });
      const card = await wallet.handlers["paycards.answer"]({
        moduleId: "demo-bank",
        sessionId: step.sessionId,
        answers: { accountNumber: account.accountNumber, pin: account.pin },
        makeActive,
      });
      return card.paycardId;
    },
    { account: { accountNumber: account.accountNumber, pin: account.pin }, makeActive: options.makeActive },
  );
}

/**
 * Screenshot of the confirmation window at the size the Wallet opens it (`CONFIRM_WINDOW`, 360 × 600):
 * Playwright's default viewport otherwise overrides every window of the profile, the Wallet's popup
 * included (chrome.windows reports 1280 × 720 for it). e2e/test-results/screenshots/<name>.png.
 */
export async function snapshotConfirmWindow(confirm: Page, name: string): Promise<string> {
  await confirm.setViewportSize(CONFIRM_WINDOW);
  const file = path.join(screenshotsDir, `${name}.png`);
  await confirm.screenshot({ path: file });
  return file;
}

/**
 * Three rapid pay clicks on one page: one confirmation window, the three requests shown one after
 * another in the order they were clicked ("1 of 3", "2 of 3", "3 of 3"), each approved — all three
 * delivered and each charged once. And a service worker stopped while the window is open: the next
 * one finds that window (it does not open another) and the next request joins it.
 */
import type { Page } from "@playwright/test";
import { expect, test } from "../fixtures";
import {
  addDemoBankPaycard,
  expectHostSawAllThreeSides,
  ONE_CENT_MICROS,
  payButton,
  settledBalanceMicros,
  snapshotConfirmWindow,
  stopWalletWorker,
  waitForWalletRegistered,
  walletPurchase,
} from "../steps";

const articles = [
  { id: "article-1", title: "Town Council Votes to Paint the Bridge Blue" },
  { id: "article-2", title: "Local Baker Wins National Sourdough Prize" },
  { id: "article-3", title: "Why One-Cent Articles Might Save Journalism" },
];

test("three rapid pay clicks: one window, three requests in order, each delivered and charged once", async ({
  context,
  wallet,
  network,
  serviceWorker,
}) => {
  const walletId = await waitForWalletRegistered(wallet, network);
  const account = network.accounts[1]!;
  await addDemoBankPaycard(wallet, account);
  const settledBefore = await settledBalanceMicros(network, account.accountNumber);

  const shop = await context.newPage();
  await shop.goto(network.shopUrl);
  const windows: Page[] = [];
  context.on("page", (p) => {
    if (p.url().includes("confirm.html")) windows.push(p);
  });
  const first = context.waitForEvent("page", (p) => p.url().includes("confirm.html"));
  // Three clicks in a row, before the Wallet could open anything.
  for (const a of articles) await payButton(shop, a.id).click();
  const confirm = await first;
  await confirm.waitForLoadState();

  for (const [i, a] of articles.entries()) {
    await expect(confirm.getByTestId("confirm-queue-position")).toHaveText(`${i + 1} of 3`);
    await expect(confirm.getByTestId("confirm-description")).toHaveText(`Article: ${a.title}`);
    await expect(confirm.getByTestId("confirm-amount")).toHaveText("$0.01");
    await expect(confirm.getByTestId("confirm-balance")).toContainText("available");
    if (i === 0) {
      await expect(confirm.getByTestId("decline-all")).toHaveText("Decline all 3 requests");
      await snapshotConfirmWindow(confirm, "queue-1-first-of-three");
    }
    if (i === 1) await snapshotConfirmWindow(confirm, "queue-2-second-of-three");
    await confirm.getByTestId("approve").click();
  }
  // The window closes once the queue is empty; it was the only one all along.
  await expect.poll(() => confirm.isClosed(), { message: "the confirmation window stayed open" }).toBe(true);
  expect(windows).toHaveLength(1);
  expect(context.pages().filter((p) => p.url().includes("confirm.html"))).toHaveLength(0);

  const digests: string[] = [];
  for (const a of articles) {
    await expect(shop.getByTestId(`quickpay-status-${a.id}`)).toHaveAttribute("data-state", "delivered");
    const body = shop.getByTestId(`article-body-${a.id}`);
    await expect(body).not.toBeEmpty();
    const digest = await body.getAttribute("data-quickpay-delivered");
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    digests.push(digest!);
    expect(await walletPurchase(serviceWorker, { itemId: a.id })).toMatchObject({
      status: "delivered",
      orderDigest: digest,
    });
  }
  expect(new Set(digests).size).toBe(3);
  // Each order seen from all three sides at one cent, and the account charged three cents in all.
  for (const digest of digests) await expectHostSawAllThreeSides(network, digest, walletId);
  expect(settledBefore - (await settledBalanceMicros(network, account.accountNumber))).toBe(
    3 * ONE_CENT_MICROS,
  );
});

test("a restarted service worker finds the open window: a request made after it joins that window", async ({
  context,
  wallet,
  network,
  extensionId,
}) => {
  await waitForWalletRegistered(wallet, network);
  await addDemoBankPaycard(wallet, network.accounts[1]!);
  const shop = await context.newPage();
  await shop.goto(network.shopUrl);
  const windows: Page[] = [];
  context.on("page", (p) => {
    if (p.url().includes("confirm.html")) windows.push(p);
  });
  const first = context.waitForEvent("page", (p) => p.url().includes("confirm.html"));
  for (const a of articles.slice(0, 2)) await payButton(shop, a.id).click();
  const confirm = await first;
  await expect(confirm.getByTestId("confirm-queue-position")).toHaveText("1 of 2");

  // The worker that opened the window is gone, with everything it held in memory.
  await stopWalletWorker(shop, extensionId);
  await payButton(shop, "article-3").click();
  await expect(confirm.getByTestId("confirm-queue-position")).toHaveText("1 of 3");
  for (const [i, a] of articles.entries()) {
    await expect(confirm.getByTestId("confirm-queue-position")).toHaveText(`${i + 1} of 3`);
    await expect(confirm.getByTestId("confirm-description")).toHaveText(`Article: ${a.title}`);
    await confirm.getByTestId("approve").click();
  }
  await expect.poll(() => confirm.isClosed(), { message: "the confirmation window stayed open" }).toBe(true);
  expect(windows).toHaveLength(1);
  for (const a of articles) {
    await expect(shop.getByTestId(`quickpay-status-${a.id}`)).toHaveAttribute("data-state", "delivered");
  }
});

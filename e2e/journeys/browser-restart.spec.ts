/**
 * The shopper quits the browser in the middle of a purchase: approved, the bank's endorsement in
 * hand, Request Order Delivery on its way to the shop. When the browser starts again on the same
 * profile, the Wallet picks the purchase up from its IndexedDB outbox by itself — nobody clicks
 * anything — and finishes it: the article is the shopper's (the shop's page shows it from the
 * receipt), charged exactly once, and every party's record agrees (outcome 1).
 */
import { expect, launchWallet, test, WalletPages, walletWorker } from "../fixtures";
import {
  addDemoBankPaycard,
  cents,
  clickPay,
  readBalance,
  settleAndJudge,
  settledBalanceMicros,
  violationsOf,
  waitForWalletRegistered,
  walletPurchase,
} from "../steps";

const item = "article-3";

test("quitting the browser mid-purchase: the Wallet finishes it after the restart, charged once", async ({
  context,
  profileDir,
  extensionId,
  wallet,
  network,
}) => {
  await waitForWalletRegistered(wallet, network);
  const account = network.accounts[0]!;
  await addDemoBankPaycard(wallet, account);
  const before = await readBalance(wallet);
  const settledBefore = await settledBalanceMicros(network, account.accountNumber);

  // The shop holds the request as it arrives: the Wallet is past Inquiry Payment, the goods not out.
  await network.shop.arm("order_accepted", "pause", { itemId: item });
  const shop = await context.newPage();
  await shop.goto(network.shopUrl);
  const confirm = await clickPay(shop, item);
  await confirm.getByTestId("approve").click();
  const held = await network.shop.waitFor("order_accepted", { itemId: item });
  const digest = held.orderDigest ?? "";
  expect(digest).toMatch(/^[0-9a-f]{64}$/);

  // Quit: every page, the worker and its request die with the browser. The shop then finishes the
  // request it holds, and its answer has nobody to go to.
  await context.close();
  await network.shop.continue("order_accepted");
  await network.shop.waitFor("answered", { orderDigest: digest });

  const restarted = await launchWallet(profileDir);
  try {
    // Nothing is opened or clicked: the Wallet's worker starts with the browser and sends what its
    // outbox still owes — Request Order Delivery again, then Register Order.
    const worker = await walletWorker(restarted);
    await expect
      .poll(async () => (await walletPurchase(worker, { orderDigest: digest }))?.status, {
        timeout: 60_000,
        message: "the restarted Wallet did not finish the purchase",
      })
      .toBe("delivered");
    const verdict = await settleAndJudge({
      network,
      serviceWorker: worker,
      orderDigest: digest,
      accountNumber: account.accountNumber,
      settledBefore,
    });
    expect(violationsOf(verdict)).toEqual([]);
    expect(verdict).toMatchObject({ outcome: 1 });
    // It was the restarted Wallet's resend that got the goods: the shop answered the order twice.
    const answered = (await network.shop.seen("answered")).filter((r) => r.orderDigest === digest);
    expect(answered).toHaveLength(2);

    // The shopper comes back to the shop: the article is there, from the receipt, and the Wallet
    // shows one delivered purchase and one cent less.
    const again = new WalletPages(restarted, extensionId);
    const page = await restarted.newPage();
    await page.goto(network.shopUrl);
    const body = page.getByTestId(`article-body-${item}`);
    await expect(body).toHaveAttribute("data-quickpay-restored", "true");
    await expect(body).toHaveAttribute("data-quickpay-delivered", digest);
    await expect(body).not.toBeEmpty();
    const popup = await again.open("popup");
    const rows = popup.getByTestId("order-item");
    await expect(rows).toHaveCount(1);
    await expect(rows).toHaveAttribute("data-status", "delivered");
    await expect(rows).toHaveAttribute("data-order-digest", digest);
    await popup.close();
    expect(cents(before) - cents(await readBalance(again))).toBe(1);
  } finally {
    await restarted.close();
  }
});

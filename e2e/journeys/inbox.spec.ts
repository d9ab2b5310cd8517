/**
 * The inbox: after a purchase, the shop writes to "the wallet of order D" through the host's mailbox
 * (it never learns who that is). With nobody looking, the Wallet's inbox alarm fetches it and the
 * toolbar badge shows 1; the popup's inbox lists it as unread, opening it shows the text and the order
 * it is about and clears the badge; "See it in your history" opens that order's row.
 */
import fs from "node:fs";
import path from "node:path";
import type { Worker } from "@playwright/test";
import { sendMessage, signEnvelope } from "@quickpay/protocol";
import { expect, type NetworkInfo, test } from "../fixtures";
import { addDemoBankPaycard, clickPay, snapshot, waitForWalletRegistered, walletPurchase } from "../steps";

/** What the service worker's `chrome.action` answers (the toolbar badge). */
async function badgeText(serviceWorker: Worker): Promise<string> {
  return serviceWorker.evaluate(() =>
    (
      globalThis as unknown as { chrome: { action: { getBadgeText(d: object): Promise<string> } } }
    ).chrome.action.getBadgeText({}),
  );
}

/**
 * Post Message as the demo shop itself: signed with the shop's own vendor key, from its data dir
 * (the shop process keeps it there), to the wallet that registered the order.
 */
async function shopWritesToWalletOf(network: NetworkInfo, orderDigest: string, text: string): Promise<void> {
  const keyFile = path.join(network.dataDir, "demo-shop", "vendor-key.json");
  const { privateKey } = JSON.parse(fs.readFileSync(keyFile, "utf8")) as { privateKey: string };
  const envelope = await signEnvelope({ playerId: network.vendorId, privateKey }, "PostMessage" as const, {
    to: { walletOfOrder: orderDigest },
    subject: "Thanks for reading",
    text,
    orderDigest,
  });
  await sendMessage(network.hostUrl, "PostMessage", envelope);
}

test("a shop's message to the wallet of an order reaches the inbox and the badge, and leads to the order", async ({
  context,
  wallet,
  network,
  serviceWorker,
}) => {
  await waitForWalletRegistered(wallet, network);
  await addDemoBankPaycard(wallet, network.accounts[1]!);
  const shop = await context.newPage();
  await shop.goto(network.shopUrl);
  const confirm = await clickPay(shop, "article-2");
  await confirm.getByTestId("approve").click();
  const article = shop.locator("#article-2-body");
  await expect(article).not.toBeEmpty();
  const digest = (await article.getAttribute("data-quickpay-delivered"))!;
  expect(digest).toMatch(/^[0-9a-f]{64}$/);
  // The host must know this wallet as the order's before the shop can write to it.
  await expect
    .poll(async () => (await walletPurchase(serviceWorker, { orderDigest: digest }))?.registered)
    .toBe(true);
  expect(await badgeText(serviceWorker)).toBe("");

  const text = "Thank you for buying this article. The follow-up piece is out on Friday.";
  await shopWritesToWalletOf(network, digest, text);
  // No Wallet page is open: the inbox alarm (every 5 minutes; fired now) fetches it.
  await serviceWorker.evaluate(() =>
    (
      globalThis as unknown as {
        chrome: { alarms: { create(name: string, info: object): Promise<void> } };
      }
    ).chrome.alarms.create("quickpay-inbox", { when: Date.now() + 100, periodInMinutes: 5 }),
  );
  await expect.poll(() => badgeText(serviceWorker)).toBe("1");

  const popup = await wallet.open("popup");
  await popup.setViewportSize({ width: 360, height: 720 });
  const inbox = popup.getByTestId("inbox");
  await expect(inbox.getByTestId("inbox-unread")).toHaveText(/^1/);
  const message = inbox.getByTestId("inbox-message");
  await expect(message).toHaveCount(1);
  await expect(message).toHaveAttribute("data-unread", "true");
  await expect(message).toHaveAttribute("data-kind", "vendor");
  await expect(message.getByTestId("inbox-from")).toHaveText("The Daily Cent");
  await expect(message.getByTestId("inbox-title")).toHaveText("Thanks for reading");
  await snapshot(popup, "inbox-popup-unread");

  // Keyboard: focus the message and open it with Enter.
  const toggle = message.getByTestId("inbox-open");
  await toggle.focus();
  await popup.keyboard.press("Enter");
  await expect(toggle).toHaveAttribute("aria-expanded", "true");
  await expect(message.getByTestId("inbox-text")).toHaveText(text);
  await expect(message).toHaveAttribute("data-unread", "false");
  await expect(inbox.getByTestId("inbox-unread")).toHaveCount(0);
  await expect.poll(() => badgeText(serviceWorker)).toBe("");
  const order = message.getByTestId("inbox-order");
  await expect(order).toHaveAttribute("data-order-digest", digest);
  await expect(order.getByTestId("order-status")).toHaveText("Delivered");
  await expect(order).toContainText("$0.01");
  await snapshot(popup, "inbox-popup-read");
  await popup.emulateMedia({ colorScheme: "dark" });
  await snapshot(popup, "inbox-popup-read-dark");
  await popup.emulateMedia({ colorScheme: "light" });

  // The link leads to the order in the history.
  const opened = context.waitForEvent("page");
  await order.getByTestId("inbox-order-link").click();
  const history = await opened;
  await history.waitForLoadState();
  expect(history.url()).toContain("options.html");
  expect(new URL(history.url()).hash).toBe(`#order-${digest}`);
  const row = history.locator(`[data-testid="order-item"][data-order-digest="${digest}"]`);
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute("aria-current", "true");
  await expect(row).toBeFocused();
  await expect(row).toHaveAttribute("data-status", "delivered");
  await history.setViewportSize({ width: 1000, height: 800 });
  await snapshot(history, "inbox-order-in-history");

  // Read stays read: a new popup still shows no unread message and the badge stays clear.
  await popup.close();
  const again = await wallet.open("popup");
  await expect(again.getByTestId("inbox-message")).toHaveAttribute("data-unread", "false");
  expect(await badgeText(serviceWorker)).toBe("");
});

/**
 * Several Paycards: the shopper adds a second card in the options page and keeps the first one
 * active when asked, switches to the second from the popup, buys — and only the second card's bank
 * account pays — then removes that card after a confirmation dialog: the first one is active again,
 * the bank is told, and the history keeps the purchase.
 */
import type { Page } from "@playwright/test";
import type { Wallet } from "../../extension/src/background/wallet";
import { expect, test } from "../fixtures";
import {
  addDemoBankPaycard,
  clickPay,
  ONE_CENT_MICROS,
  settledBalanceMicros,
  snapshot,
  waitForWalletRegistered,
} from "../steps";

/** The popup at its real width (the toolbar popup is 360 px wide), in light or dark. */
async function openPopup(wallet: { open(p: "popup"): Promise<Page> }, scheme: "light" | "dark" = "light") {
  const popup = await wallet.open("popup");
  await popup.setViewportSize({ width: 360, height: 600 });
  // Reduced motion: no colour transition caught half-way in the screenshot.
  await popup.emulateMedia({ colorScheme: scheme, reducedMotion: "reduce" });
  return popup;
}

test("two Paycards: add one without switching, switch in the popup, the chosen one pays, remove one", async ({
  context,
  wallet,
  network,
  serviceWorker,
}) => {
  await waitForWalletRegistered(wallet, network);
  const [alice, bob] = [network.accounts[0]!, network.accounts[1]!];
  await addDemoBankPaycard(wallet, alice);

  // Adding a second card asks whether it should pay; the shopper keeps the current one.
  const options = await wallet.open("options");
  await options.setViewportSize({ width: 1000, height: 900 });
  await options.emulateMedia({ reducedMotion: "reduce" });
  await options.getByTestId("add-paycard-demo-bank").click();
  await options.getByTestId("question-accountNumber").fill(bob.accountNumber);
  await options.getByTestId("question-pin").fill(bob.pin);
  await expect(options.getByTestId("make-active-choice")).toContainText("Pay with the new Paycard?");
  await expect(options.getByTestId("make-active-no")).not.toBeChecked();
  await expect(options.getByTestId("make-active-yes")).not.toBeChecked();
  await options.getByTestId("make-active-no").check();
  await options.getByTestId("submit-answers").click();
  await expect(options.getByTestId("paycard-added")).toContainText(
    "Alice Demo ••0001 is still your active Paycard",
  );
  const rows = options.getByTestId("paycard-item");
  await expect(rows).toHaveCount(2);
  const aliceRow = rows.filter({ hasText: "Alice Demo ••0001" });
  const bobRow = rows.filter({ hasText: "Bob Demo ••0002" });
  await expect(aliceRow).toHaveAttribute("data-active", "true");
  await expect(bobRow).toHaveAttribute("data-active", "false");
  // Each card shows its broker, its balance and its status.
  for (const row of [aliceRow, bobRow]) {
    await expect(row).toHaveAttribute("data-status", "ready");
    await expect(row.getByTestId("paycard-broker")).toHaveText(/demo bank/i);
    await expect(row.getByTestId("paycard-status")).toHaveText("Ready to pay");
  }
  const live = await network.bank.accounts();
  const available = (n: string) => `$${live.find((a) => a.accountNumber === n)!.available.value}`;
  await expect(aliceRow.getByTestId("paycard-balance")).toContainText(available(alice.accountNumber));
  await expect(bobRow.getByTestId("paycard-balance")).toContainText(available(bob.accountNumber));
  await snapshot(options, "paycards-options-two-cards");
  await options.emulateMedia({ colorScheme: "dark" });
  await snapshot(options, "paycards-options-two-cards-dark");
  await options.emulateMedia({ colorScheme: "light" });

  // The popup lists the other card; switching to it takes one click.
  const darkPopup = await openPopup(wallet, "dark");
  await expect(darkPopup.getByTestId("balance")).toHaveText(/\$\d/);
  await snapshot(darkPopup, "paycards-popup-two-cards-dark");
  await darkPopup.close();
  const popup = await openPopup(wallet);
  await expect(popup.getByTestId("active-paycard")).toContainText("Alice Demo ••0001");
  await expect(popup.getByTestId("balance")).toHaveText(available(alice.accountNumber));
  await snapshot(popup, "paycards-popup-two-cards");
  const switchToBob = popup.getByTestId("paycard-switch");
  await expect(switchToBob).toHaveCount(1);
  await expect(switchToBob).toHaveAccessibleName("Pay with Demo Bank · Bob Demo ••0002");
  await switchToBob.click();
  await expect(popup.getByTestId("paycard-switched")).toHaveText(
    "Now paying with Demo Bank · Bob Demo ••0002.",
  );
  await expect(popup.getByTestId("active-paycard")).toContainText("Bob Demo ••0002");
  await expect(popup.getByTestId("active-paycard")).toBeFocused();
  await expect(popup.getByTestId("balance")).toHaveText(available(bob.accountNumber));
  await expect(popup.getByTestId("paycard-switch")).toContainText("Alice Demo ••0001");
  await popup.close();

  // Buying now charges Bob's account, and only Bob's.
  const aliceBefore = await settledBalanceMicros(network, alice.accountNumber);
  const bobBefore = await settledBalanceMicros(network, bob.accountNumber);
  const shop = await context.newPage();
  await shop.goto(network.shopUrl);
  const confirm = await clickPay(shop, "article-2");
  await expect(confirm.getByTestId("confirm-paycard")).toContainText("Bob Demo ••0002");
  await confirm.getByTestId("approve").click();
  await expect(shop.getByTestId("quickpay-status-article-2")).toHaveAttribute("data-state", "delivered");
  await expect
    .poll(() => settledBalanceMicros(network, bob.accountNumber), { timeout: 20_000 })
    .toBe(bobBefore - ONE_CENT_MICROS);
  expect(await settledBalanceMicros(network, alice.accountNumber)).toBe(aliceBefore);

  // Removing Bob's card asks first (a dialog; Esc keeps the card), then says what happened.
  await options.reload();
  await expect(rows).toHaveCount(2);
  await expect(bobRow).toHaveAttribute("data-active", "true");
  await bobRow.getByTestId("paycard-remove").click();
  const dialog = options.getByTestId("remove-dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog).toHaveAccessibleName("Remove Demo Bank · Bob Demo ••0002?");
  await expect(dialog).toContainText("Demo Bank · Alice Demo ••0001 will pay from now on.");
  await expect(options.getByTestId("remove-cancel")).toBeFocused();
  await snapshot(options, "paycards-remove-dialog");
  await options.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect(rows).toHaveCount(2);
  await expect(bobRow.getByTestId("paycard-remove")).toBeFocused();

  await bobRow.getByTestId("paycard-remove").click();
  await options.getByTestId("remove-confirm").click();
  await expect(options.getByTestId("paycard-notice")).toHaveText(
    "Removed Demo Bank · Bob Demo ••0002. Demo Bank · Alice Demo ••0001 is now your active Paycard.",
  );
  await expect(rows).toHaveCount(1);
  await expect(aliceRow).toHaveAttribute("data-active", "true");

  // The bank was told: the Wallet's Forget Paycard was acknowledged, and no credential is left.
  await expect
    .poll(
      () =>
        serviceWorker.evaluate(async () => {
          const w = await (globalThis as unknown as { quickpayWallet(): Promise<Wallet> }).quickpayWallet();
          const items = (await w.db.getAll("outbox")).filter((i) => i.type === "ForgetPaycard");
          return items.map((i) => i.state);
        }),
      { timeout: 20_000 },
    )
    .toEqual(["done"]);

  // The history keeps the purchase the removed card paid for.
  const after = await openPopup(wallet);
  await expect(after.getByTestId("active-paycard")).toContainText("Alice Demo ••0001");
  await expect(after.getByTestId("paycard-switcher")).toHaveCount(0);
  const bought = after.getByTestId("order-item").filter({ hasText: "$0.01" }).first();
  await expect(bought).toHaveAttribute("data-status", "delivered");
});

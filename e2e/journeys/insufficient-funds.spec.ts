/**
 * The active Paycard has $0.00: the confirmation window says so before anything is approved —
 * Approve disabled with the reason in words — and offers the Wallet's other Paycard; picking it pays
 * (for this purchase only: the active card stays), delivered and charged to that card once.
 */
import { expect, test } from "../fixtures";
import {
  addDemoBankPaycard,
  addPaycardInWorker,
  clickPay,
  ONE_CENT_MICROS,
  settledBalanceMicros,
  snapshotConfirmWindow,
  waitForWalletRegistered,
  walletPurchase,
} from "../steps";

/** The part of the service worker's `quickpayWallet()` this journey reads. */
type WalletGlobal = {
  quickpayWallet(): Promise<{
    paycards: { active(): Promise<{ paycardId: string }> };
    purchases: { get(id: string): Promise<{ paycardId: string }> };
  }>;
};

test("a $0.00 Paycard: Approve disabled with the reason before paying; picking the other card pays", async ({
  context,
  wallet,
  network,
  serviceWorker,
}) => {
  await waitForWalletRegistered(wallet, network);
  const alice = network.accounts.find((a) => a.accountNumber === "1000-0001")!;
  // The demo bank seeds Carol's account empty; nothing in the suite ever pays with it.
  const carol = network.accounts.find((a) => a.accountNumber === "1000-0003")!;
  expect(
    (await network.bank.accounts()).find((a) => a.accountNumber === carol.accountNumber)!.available.value,
  ).toMatch(/^0(\.0+)?$/);
  await addDemoBankPaycard(wallet, alice);
  const carolCard = await addPaycardInWorker(serviceWorker, carol, { makeActive: true });
  const aliceBefore = await settledBalanceMicros(network, alice.accountNumber);

  const shop = await context.newPage();
  await shop.goto(network.shopUrl);
  const confirm = await clickPay(shop, "article-2");
  await expect(confirm.getByTestId("confirm-paycard")).toHaveText(/Carol Demo/);
  const carolOption = confirm.locator(`[data-testid="paycard-option"][data-paycard-id="${carolCard}"]`);
  const aliceOption = confirm.locator(`[data-testid="paycard-option"]:not([data-paycard-id="${carolCard}"])`);
  await expect(carolOption).toHaveAttribute("data-funds", "short");
  await expect(carolOption).toContainText("Demo Bank · $0.00 available · not enough");
  const short = confirm.getByTestId("confirm-funds-short");
  await expect(short).toHaveAttribute("data-reason-code", "insufficient_funds");
  await expect(short).toHaveText(
    /^Not enough money on Carol Demo ••\d{4}: \$0\.00 available, this costs \$0\.01\. Pick another Paycard/,
  );
  const approve = confirm.getByTestId("approve");
  await expect(approve).toBeDisabled();
  await expect(approve).toHaveAttribute("aria-describedby", "confirm-funds");
  await snapshotConfirmWindow(confirm, "insufficient-funds-1-approve-disabled");
  await confirm.emulateMedia({ colorScheme: "dark" });
  await snapshotConfirmWindow(confirm, "insufficient-funds-1-approve-disabled-dark");
  await confirm.emulateMedia({ colorScheme: "light" });

  // Another card, with the keyboard as with the mouse: the radio group's arrow keys.
  await carolOption.locator("input").focus();
  await confirm.keyboard.press("ArrowUp");
  await expect(aliceOption).toHaveAttribute("data-selected", "true");
  await expect(aliceOption).toHaveAttribute("data-funds", "enough");
  await expect(confirm.getByTestId("confirm-paycard")).toHaveText(/Alice Demo/);
  await expect(short).toHaveCount(0);
  await expect(approve).toBeEnabled();
  await expect(confirm.getByTestId("confirm-make-active")).not.toBeChecked();
  await snapshotConfirmWindow(confirm, "insufficient-funds-2-other-card-picked");
  await approve.click();

  await expect(shop.getByTestId("quickpay-status-article-2")).toHaveAttribute("data-state", "delivered");
  await expect(shop.getByTestId("article-body-article-2")).not.toBeEmpty();
  const purchase = await walletPurchase(serviceWorker, { itemId: "article-2" });
  expect(purchase).toMatchObject({ status: "delivered" });
  const paidWith = await serviceWorker.evaluate(
    async (id) => (await (globalThis as unknown as WalletGlobal).quickpayWallet()).purchases.get(id),
    purchase!.purchaseId,
  );
  expect(paidWith.paycardId).not.toBe(carolCard);
  // Alice's account paid the cent, once; Carol's is still empty; Carol's card is still the active one.
  expect(aliceBefore - (await settledBalanceMicros(network, alice.accountNumber))).toBe(ONE_CENT_MICROS);
  expect(await settledBalanceMicros(network, carol.accountNumber)).toBe(0);
  const active = await serviceWorker.evaluate(async () =>
    (await (globalThis as unknown as WalletGlobal).quickpayWallet()).paycards.active(),
  );
  expect(active.paycardId).toBe(carolCard);
});

/**
 * Two wallets on one page (EIP-6963 discovery): a page script announces a second provider, "Other
 * Wallet". The page sees both announcements (each with uuid, name, a data-URI icon and a reverse-DNS
 * id); the pay button asks which wallet pays, with an accessible chooser; Cancel changes nothing;
 * choosing the QuickPay Wallet pays through it, and the other wallet is never asked to pay.
 */
import type { Page } from "@playwright/test";
import { expect, test } from "../fixtures";
import {
  addDemoBankPaycard,
  cents,
  payButton,
  readBalance,
  snapshot,
  waitForWalletRegistered,
} from "../steps";

/** The second wallet, as another extension would inject it: announces itself, records what it is asked. */
function installOtherWallet() {
  const calls: string[] = [];
  const icon =
    "data:image/svg+xml," +
    encodeURIComponent(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="24" rx="7" fill="#c2410c"/><path d="M7 12h10" stroke="#fff" stroke-width="3"/></svg>',
    );
  const info = Object.freeze({
    uuid: "7f3c1d2e-8a4b-4c6d-9e0f-112233445566",
    name: "Other Wallet",
    icon,
    rdns: "com.example.otherwallet",
  });
  const provider = Object.freeze({
    isQuickPay: true,
    info,
    request: async (req: { method: string }) => {
      calls.push(req.method);
      if (req.method === "restore") return null;
      throw Object.assign(new Error("The other wallet declined."), { code: "declined" });
    },
    on: () => undefined,
    removeListener: () => undefined,
  });
  const detail = Object.freeze({ info, provider });
  const announce = () => window.dispatchEvent(new CustomEvent("quickpay:announceProvider", { detail }));
  window.addEventListener("quickpay:requestProvider", announce);
  (window as unknown as { otherWalletCalls: string[] }).otherWalletCalls = calls;
  announce();
}

test("a second wallet on the page coexists; the shopper chooses QuickPay Wallet and pays", async ({
  context,
  wallet,
  network,
}) => {
  await waitForWalletRegistered(wallet, network);
  await addDemoBankPaycard(wallet, network.accounts[0]!);
  const before = await readBalance(wallet);

  const shop = await context.newPage();
  await shop.addInitScript(installOtherWallet);
  await shop.goto(network.shopUrl);

  // The page asks; both wallets answer, each telling who it is (no shopper data among it).
  const announced = await shop.evaluate(() => {
    const seen: Array<{ uuid: string; name: string; icon: string; rdns: string; hasRequest: boolean }> = [];
    const listener = (e: Event) => {
      const d = (e as CustomEvent).detail as { info: (typeof seen)[number]; provider: { request?: unknown } };
      seen.push({ ...d.info, hasRequest: typeof d.provider.request === "function" });
    };
    window.addEventListener("quickpay:announceProvider", listener);
    window.dispatchEvent(new Event("quickpay:requestProvider"));
    window.removeEventListener("quickpay:announceProvider", listener);
    return seen;
  });
  expect(announced).toHaveLength(2);
  const quickpay = announced.find((a) => a.rdns === "org.quickpay.wallet");
  const other = announced.find((a) => a.rdns === "com.example.otherwallet");
  expect(quickpay).toMatchObject({ name: "QuickPay Wallet", hasRequest: true });
  expect(quickpay!.icon).toMatch(/^data:image\/svg\+xml,/);
  expect(quickpay!.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(other).toMatchObject({ name: "Other Wallet", hasRequest: true });
  expect(Object.keys(quickpay!).sort()).toEqual(["hasRequest", "icon", "name", "rdns", "uuid"]);

  // Paying: the button asks which wallet, as a labelled group with one button per wallet.
  await payButton(shop, "article-1").click();
  const chooser = shop.getByRole("group", { name: "Pay with which wallet?" });
  await expect(chooser).toBeVisible();
  await expect(chooser).toHaveAttribute("data-testid", "quickpay-wallet-chooser-article-1");
  const options = chooser.getByTestId("quickpay-wallet-option");
  await expect(options).toHaveCount(2);
  await expect(chooser.getByRole("button", { name: "QuickPay Wallet" })).toBeVisible();
  await expect(chooser.getByRole("button", { name: "Other Wallet" })).toBeVisible();
  // Focus is in the chooser, on the first wallet; arrow keys move between the choices.
  await expect(options.first()).toBeFocused();
  await shop.keyboard.press("ArrowRight");
  await expect(options.nth(1)).toBeFocused();
  await snapshot(shop, "discovery-1-wallet-chooser");

  // Escape closes it: nothing was asked of either wallet, the button is as it was.
  await shop.keyboard.press("Escape");
  await expect(chooser).toHaveCount(0);
  await expect(payButton(shop, "article-1")).toBeFocused();
  await expect(shop.getByTestId("quickpay-status-article-1")).toHaveAttribute("data-state", "idle");
  expect(await otherWalletPays(shop)).toBe(0);

  // Choosing QuickPay Wallet opens its confirmation window; approving pays; the other is never asked to pay.
  await payButton(shop, "article-1").click();
  const confirmation = context.waitForEvent("page", (p) => p.url().includes("confirm"));
  await chooser.getByRole("button", { name: "QuickPay Wallet" }).click();
  const confirm = await confirmation;
  await confirm.waitForLoadState();
  await expect(confirm.getByTestId("confirm-amount")).toContainText("$0.01");
  await confirm.getByTestId("approve").click();
  const status = shop.getByTestId("quickpay-status-article-1");
  await expect(status).toHaveAttribute("data-state", "delivered");
  await expect(shop.locator("#article-1-body")).not.toBeEmpty();
  await snapshot(shop, "discovery-2-paid-with-quickpay");
  expect(await otherWalletPays(shop)).toBe(0);
  const after = await readBalance(wallet);
  expect(cents(before) - cents(after)).toBe(1);

  // Another button asks again (a choice is kept only by the button, in memory); choosing the other
  // wallet sends the purchase there, and its refusal is shown in words.
  await payButton(shop, "article-2").click();
  const again = shop.getByRole("group", { name: "Pay with which wallet?" });
  await expect(again).toHaveCount(1);
  await again.getByRole("button", { name: "Other Wallet" }).click();
  await expect(shop.getByTestId("quickpay-status-article-2")).toHaveAttribute("data-error-code", "declined");
  await expect(shop.getByTestId("quickpay-status-article-2")).toContainText(/declined/i);
  expect(await otherWalletPays(shop)).toBe(1);
  expect(await readBalance(wallet)).toBe(after);
  // Nothing about the choice is kept in the page's storage.
  const stored = await shop.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length }));
  expect(stored).toEqual({ local: 0, session: 0 });
});

async function otherWalletPays(page: Page): Promise<number> {
  const calls = await page.evaluate(
    () => (window as unknown as { otherWalletCalls: string[] }).otherWalletCalls,
  );
  return calls.filter((c) => c === "pay").length;
}

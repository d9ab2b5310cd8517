/**
 * A new install: the Wallet opens its welcome tab by itself — what QuickPay is and the one step to
 * take, adding a Paycard — and that step leads to the options page. Starting the browser again on the
 * same profile is not an install: no second welcome tab.
 */
import { expect, launchWallet, onboardingTab, test } from "../fixtures";
import { snapshot } from "../steps";

test("the install opens a welcome tab that leads to adding a Paycard, once", async ({ profileDir }) => {
  // Not the `context` fixture: it closes the welcome tab; this journey is about it.
  const context = await launchWallet(profileDir);
  try {
    const welcome = await onboardingTab(context);
    await welcome.setViewportSize({ width: 1024, height: 760 });
    await expect(welcome.getByRole("heading", { level: 1 })).toHaveText("Welcome to QuickPay");
    await expect(welcome.getByRole("list", { name: "How QuickPay works" }).getByRole("listitem")).toHaveCount(
      3,
    );
    await expect(welcome.getByRole("heading", { name: "Add your first Paycard" })).toBeVisible();
    await snapshot(welcome, "onboarding-light");
    // Loaded again in dark, so the buttons' colour transitions do not show half-way in the picture.
    await welcome.emulateMedia({ colorScheme: "dark" });
    await welcome.reload();
    await expect(welcome.getByRole("heading", { level: 1 })).toHaveText("Welcome to QuickPay");
    await snapshot(welcome, "onboarding-dark");
    await welcome.emulateMedia({ colorScheme: "light" });

    // The keyboard reaches the one action; Enter follows it to the options page's Paycards.
    const add = welcome.getByRole("link", { name: "Add a Paycard" });
    await add.focus();
    await expect(add).toBeFocused();
    await welcome.keyboard.press("Enter");
    await welcome.waitForURL(/\/options\.html#paycards$/);
    await expect(welcome.locator("#paycards")).toBeVisible();
  } finally {
    await context.close();
  }

  const again = await launchWallet(profileDir);
  try {
    // Give an (unwanted) welcome tab time to appear, then require that none did.
    await expect(onboardingTab(again, 3_000)).rejects.toThrow("no welcome tab");
  } finally {
    await again.close();
  }
});

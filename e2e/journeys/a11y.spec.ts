/**
 * Keyboard and screen reader: every Wallet page — popup, options with a Paycard, welcome page and
 * the confirmation window — passes axe's WCAG 2.1 A/AA rules in light and dark, and a shopper pays
 * and declines in the confirmation window with the keyboard alone (Tab, Enter, Esc), seeing where
 * the focus is.
 */
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test } from "../fixtures";
import { addDemoBankPaycard, clickPay, waitForWalletRegistered } from "../steps";

const SCHEMES = ["light", "dark"] as const;

/** axe's findings in words a person can act on: rule, why, where, and how to fix. */
function readable(violations: Awaited<ReturnType<AxeBuilder["analyze"]>>["violations"]): string {
  return violations
    .map((v) =>
      [
        `${v.id} (${v.impact ?? "?"}): ${v.help} — ${v.helpUrl}`,
        ...v.nodes.map(
          (n) => `  at ${n.target.join(" ")}\n    ${n.failureSummary?.replace(/\n/g, "\n    ")}`,
        ),
      ].join("\n"),
    )
    .join("\n\n");
}

/** Runs axe on `page` in both colour schemes; `ready` waits for the state worth auditing. */
async function expectNoViolations(page: Page, name: string, ready: (page: Page) => Promise<void>) {
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme });
    await ready(page);
    // Colour transitions must have finished, or axe measures contrast half-way between two themes.
    await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished)));
    const { violations } = await new AxeBuilder({ page })
      .withTags(["wcag2a", "wcag2aa", "wcag21aa"])
      .analyze();
    // Soft, so one run lists every page's findings; the count keeps the message to the readable part.
    expect.soft(violations.length, `${name} in ${colorScheme}:\n${readable(violations)}`).toBe(0);
  }
}

/** Presses Tab until `target` has the focus (at most `limit` times); fails if it never does. */
async function tabTo(page: Page, testid: string, limit = 30): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement?.getAttribute("data-testid"));
    if (focused === testid) return;
  }
  throw new Error(`Tab never reached ${testid}`);
}

/**
 * Presses `key` in the confirmation window. The Wallet closes the window once it has the answer,
 * which can be before the key is let go: a window closed by then is the expected outcome.
 */
async function pressInWindow(page: Page, key: string): Promise<void> {
  await page.keyboard.press(key).catch((error: unknown) => {
    if (!page.isClosed()) throw error;
  });
}

/** The focused control shows a visible outline. */
async function expectVisibleFocus(page: Page, testid: string): Promise<void> {
  const control = page.getByTestId(testid);
  await expect(control).toBeFocused();
  const outline = await control.evaluate((el) => {
    const s = getComputedStyle(el);
    return { style: s.outlineStyle, width: Number.parseFloat(s.outlineWidth) };
  });
  expect(outline.style, `${testid} has no focus outline`).not.toBe("none");
  expect(outline.width, `${testid} has no focus outline`).toBeGreaterThanOrEqual(2);
}

test("every Wallet page passes axe in light and dark, and the confirmation window works by keyboard", async ({
  context,
  wallet,
  network,
}) => {
  await waitForWalletRegistered(wallet, network);
  await addDemoBankPaycard(wallet, network.accounts[0]!);

  const popup = await wallet.open("popup");
  await expectNoViolations(popup, "popup", async (p) => {
    await expect(p.getByTestId("balance")).toHaveText(/\$\d+\.\d{2}/);
  });
  await popup.close();

  const options = await wallet.open("options");
  await expectNoViolations(options, "options", async (p) => {
    await expect(p.getByTestId("paycard-item")).toHaveCount(1);
    await expect(p.getByTestId("paycard-balance")).toContainText("$");
  });
  await options.close();

  const welcome = await context.newPage();
  await welcome.goto(`chrome-extension://${wallet.extensionId}/onboarding.html`);
  await expectNoViolations(welcome, "onboarding", async (p) => {
    await expect(p.getByRole("heading", { level: 1 })).toHaveText("Welcome to QuickPay");
  });
  await welcome.close();

  const shop = await context.newPage();
  await shop.goto(network.shopUrl);
  const confirm = await clickPay(shop, "article-1");
  await expectNoViolations(confirm, "confirmation window", async (p) => {
    await expect(p.getByTestId("approve")).toBeEnabled();
  });

  // Keyboard only: Tab reaches Decline and Approve, each with a visible outline; Enter on Approve pays.
  await confirm.emulateMedia({ colorScheme: "light" });
  await tabTo(confirm, "decline");
  await expectVisibleFocus(confirm, "decline");
  await tabTo(confirm, "approve");
  await expectVisibleFocus(confirm, "approve");
  await pressInWindow(confirm, "Enter");
  await expect(shop.locator("#article-1-body")).not.toBeEmpty();
  await expect(shop.getByTestId("quickpay-status-article-1")).toHaveAttribute("data-state", "delivered");

  // Esc declines, as it cancels any dialog.
  const second = await clickPay(shop, "article-2");
  await expect(second.getByTestId("approve")).toBeEnabled();
  const closed = second.waitForEvent("close");
  await pressInWindow(second, "Escape");
  await closed;
  const status = shop.getByTestId("quickpay-status-article-2");
  await expect(status).toHaveAttribute("data-error-code", "declined");
  await expect(shop.locator("#article-2-body")).toBeEmpty();

  // With a history (a delivered and a declined row, their pills and dates), popup and options again.
  const after = await wallet.open("popup");
  await expectNoViolations(after, "popup with history", async (p) => {
    await expect(p.getByTestId("order-item")).toHaveCount(2);
  });
  await after.close();
  const history = await wallet.open("options");
  await history.goto(`chrome-extension://${wallet.extensionId}/options.html#history`);
  await expectNoViolations(history, "options with history", async (p) => {
    await expect(p.locator("#history").getByTestId("order-item")).toHaveCount(2);
  });
});

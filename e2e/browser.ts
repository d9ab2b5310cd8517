/**
 * Debian's Chromium with the built Wallet loaded (recipe in docs/notes/playwright-mv3-recipe.md):
 * what the journeys' fixtures and `npm run bench:wallet` launch alike.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page, type Worker } from "@playwright/test";

// QUICKPAY_E2E_EXTENSION: another build directory, so two runs in one tree do not rebuild each other's Wallet.
const defaultExtensionDir =
  process.env.QUICKPAY_E2E_EXTENSION ?? path.join(path.dirname(fileURLToPath(import.meta.url)), ".extension");

/**
 * Launches Debian's Chromium on `profileDir` with the built Wallet loaded (recipe in
 * docs/notes/playwright-mv3-recipe.md). On the same profile again it is the same Wallet: its
 * IndexedDB, its keys, its outbox — a browser restart.
 */
export function launchWallet(
  profileDir: string,
  extensionDir = defaultExtensionDir,
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
    ],
  });
}

/**
 * The welcome tab the Wallet opens once, on install. Polled rather than awaited as a "page" event:
 * a tab the extension creates may first report about:blank.
 */
export async function onboardingTab(context: BrowserContext, timeoutMs = 20_000): Promise<Page> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tab = context.pages().find((p) => p.url().endsWith("/onboarding.html"));
    if (tab) return tab;
    if (Date.now() > deadline) throw new Error("the Wallet opened no welcome tab on install");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The Wallet's service worker in `context`, once it runs. */
export async function walletWorker(context: BrowserContext): Promise<Worker> {
  return context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
}

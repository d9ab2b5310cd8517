/**
 * Playwright fixtures: a fresh Chromium profile with the built Wallet loaded (recipe in
 * docs/notes/playwright-mv3-recipe.md), its extension id, and where the e2e network's servers are.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, test as base, chromium, type Page, type Worker } from "@playwright/test";

const extensionDir = path.join(path.dirname(fileURLToPath(import.meta.url)), ".extension");

export interface NetworkInfo {
  hostUrl: string;
  operatorToken: string;
  bankUrl: string;
  shopUrl: string;
  vendorId: string;
  brokerId: string;
  impostorUrl: string;
  accounts: {
    accountNumber: string;
    pin: string;
    holder: string;
    balance: { currency: string; value: string };
  }[];
}

export const test = base.extend<
  { context: BrowserContext; serviceWorker: Worker; extensionId: string; wallet: WalletPages },
  { network: NetworkInfo }
>({
  network: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
    async ({}, use) => {
      const raw = process.env.QUICKPAY_NETWORK;
      if (!raw) throw new Error("QUICKPAY_NETWORK is not set: global-setup did not run");
      await use(JSON.parse(raw) as NetworkInfo);
    },
    { scope: "worker" },
  ],
  // biome-ignore lint/correctness/noEmptyPattern: see above.
  context: async ({}, use) => {
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "quickpay-profile-"));
    const context = await chromium.launchPersistentContext(userDataDir, {
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
    await use(context);
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  },
  serviceWorker: async ({ context }, use) => {
    const sw = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
    await use(sw);
  },
  extensionId: async ({ serviceWorker }, use) => {
    await use(new URL(serviceWorker.url()).host);
  },
  wallet: async ({ context, extensionId }, use) => {
    await use(new WalletPages(context, extensionId));
  },
});

export const expect = test.expect;

/** Opens the Wallet's own pages as tabs. */
export class WalletPages {
  constructor(
    readonly context: BrowserContext,
    readonly extensionId: string,
  ) {}

  async open(page: "popup" | "options"): Promise<Page> {
    const tab = await this.context.newPage();
    await tab.goto(`chrome-extension://${this.extensionId}/${page}.html`);
    return tab;
  }
}

/**
 * Playwright fixtures: a fresh Chromium profile with the built Wallet loaded (recipe in
 * docs/notes/playwright-mv3-recipe.md), its extension id, and the e2e network: where its servers
 * are, and handles on its player processes (`network.shop.arm("deliver", "throw")`,
 * `network.bank.kill()`, `network.host.suspend()`…) through the network process's control channel.
 * After every test the network is healed: players resumed or restarted, faults disarmed.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BrowserContext, test as base, type Page, type Worker } from "@playwright/test";
import {
  ControlClient,
  type NetworkFacts,
  RemoteBank,
  type RemoteHost,
  RemotePlayer,
  RemoteShop,
} from "../scripts/control";
import { launchWallet, onboardingTab, walletWorker } from "./browser";

export { launchWallet, onboardingTab, walletWorker };

/** Where the e2e network's servers are (the same across player restarts). */
export type NetworkInfo = NetworkFacts;

/** The network with handles on its players; each call goes to the network process. */
export interface E2eNetwork extends NetworkInfo {
  host: RemoteHost;
  bank: RemoteBank;
  shop: RemoteShop;
  /** Resumes suspended players, restarts stopped ones, disarms and releases the shop's faults. */
  heal(): Promise<string[]>;
}

export const test = base.extend<
  {
    /** The browser profile (user data dir): a journey may close the browser and launch it again on it. */
    profileDir: string;
    context: BrowserContext;
    serviceWorker: Worker;
    extensionId: string;
    wallet: WalletPages;
    healNetwork: undefined;
  },
  { network: E2eNetwork }
>({
  network: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
    async ({}, use) => {
      const raw = process.env.QUICKPAY_NETWORK;
      if (!raw) throw new Error("QUICKPAY_NETWORK is not set: global-setup did not run");
      const info = JSON.parse(raw) as NetworkInfo;
      const control = new ControlClient(info.controlUrl, info.controlToken);
      await use({
        ...info,
        host: new RemotePlayer(control, "host"),
        bank: new RemoteBank(control),
        shop: new RemoteShop(control),
        heal: () => control.heal(),
      });
    },
    { scope: "worker" },
  ],
  // A journey that kills, suspends or arms something leaves the next one a working network.
  healNetwork: [
    async ({ network }, use) => {
      await use(undefined);
      await network.heal();
    },
    { auto: true },
  ],
  // biome-ignore lint/correctness/noEmptyPattern: see above.
  profileDir: async ({}, use) => {
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "quickpay-profile-"));
    await use(userDataDir);
    fs.rmSync(userDataDir, { recursive: true, force: true });
  },
  context: async ({ profileDir }, use) => {
    const context = await launchWallet(profileDir);
    // A fresh profile is a new install: the Wallet opens its welcome tab (journeys/onboarding.spec.ts
    // looks at it). Closed here, so a journey's "a page opened" waits see only what it caused.
    await (await onboardingTab(context)).close();
    await use(context);
    await context.close();
  },
  serviceWorker: async ({ context }, use) => {
    await use(await walletWorker(context));
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

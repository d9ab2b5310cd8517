/**
 * Service worker entry: wiring only. Builds the Wallet engine and connects it to the browser's
 * events (install/start, runtime messages, alarms for the outbox and the inbox, the confirmation
 * window closing) and shows the inbox's unread count on the toolbar badge.
 * The worker may be stopped at any moment; everything that must survive is in IndexedDB. While it
 * runs, the outbox's own timer resends what falls due; the alarm armed at the next due time is the
 * backstop that wakes a stopped worker for it.
 *
 * Browser APIs come from `webextension-polyfill` (Promise-based, the same `browser.*` as Firefox).
 * MV3: every listener is added synchronously while this module first runs, so the events that woke
 * the worker are delivered; each listener then waits for the engine (`walletPromise`, `started`).
 */
import { paycardModules } from "@quickpay/paycards";
import { displayMoney } from "@quickpay/protocol";
import browser, { type Runtime, type Storage } from "webextension-polyfill";
import { HOST_URL, PAYCARD_CODE_HASHES, WALLET_VERSION } from "../shared/build-config";
import { browserConfirmWindows } from "./confirm-windows";
import { openWalletDb, type StoredPurchase } from "./db";
import type { StorageArea } from "./lock";
import { routeWalletMessage } from "./router";
import { classifySender } from "./sender";
import { createWallet, type Wallet } from "./wallet";

const OUTBOX_ALARM = "quickpay-outbox";
const OUTBOX_SWEEP_ALARM = `${OUTBOX_ALARM}-sweep`;
/** A safety net besides the exact alarm: some browsers clamp short alarms to 30 s or more. */
const OUTBOX_SWEEP_MINUTES = 1;
/** Fetch Messages while idle (besides after each purchase and whenever the popup opens). */
const INBOX_ALARM = "quickpay-inbox";
const INBOX_POLL_MINUTES = 5;
/** Locks a Wallet with a password once its idle time has run out (checked again on every message). */
const AUTO_LOCK_ALARM = "quickpay-autolock";
/** `chrome-extension://<id>` or, in Firefox, `moz-extension://<uuid>`: how the Wallet's pages are told apart. */
const EXTENSION_ORIGIN = browser.runtime.getURL("").replace(/\/+$/, "");

const walletPromise: Promise<Wallet> = (async () => {
  const db = await openWalletDb();
  return createWallet({
    db,
    hostUrl: HOST_URL,
    modules: paycardModules,
    codeHashes: PAYCARD_CODE_HASHES,
    confirmWindows: browserConfirmWindows(),
    // The local password's settings in storage.local; the unlocked key only in storage.session.
    lockAreas: { local: storageArea(browser.storage.local), session: storageArea(browser.storage.session) },
    version: WALLET_VERSION,
    onUnreadChanged: (unread) => {
      void showUnread(unread).catch(logFailure("showing the unread count"));
    },
    onAllowancePaid: (purchase) => {
      void showAllowancePaid(purchase).catch(logFailure("showing an allowance payment"));
    },
    onOutboxScheduled: (due) => {
      void armOutboxAlarm(due).catch(logFailure("arming the outbox alarm"));
    },
    logger: {
      warn: (obj, msg) => console.warn(`QuickPay Wallet: ${msg}`, obj),
      error: (obj, msg) => console.error(`QuickPay Wallet: ${msg}`, obj),
    },
  });
})();

/** A `browser.storage` area as the lock uses it (lock.ts). */
function storageArea(area: Storage.StorageArea): StorageArea {
  return {
    get: async (key) => (await area.get(key))[key],
    set: (key, value) => area.set({ [key]: value }),
    remove: (key) => area.remove(key),
  };
}

/** Arms the outbox alarm for the next due message (replacing the previous one). */
async function armOutboxAlarm(due: number | undefined): Promise<void> {
  // Awaited although Firefox's alarms.create returns nothing (the polyfill passes it through).
  if (due !== undefined)
    await browser.alarms.create(OUTBOX_ALARM, { when: Math.max(due, Date.now() + 1_000) });
}

/** The toolbar badge and the button's name (what a screen reader says) carry the inbox's unread count. */
async function showUnread(unread: number): Promise<void> {
  await browser.action.setBadgeText({ text: unread === 0 ? "" : unread > 99 ? "99+" : String(unread) });
  if (unread > 0) await browser.action.setBadgeBackgroundColor({ color: "#2251d1" });
  const words = unread === 0 ? "" : ` — ${unread} unread ${unread === 1 ? "message" : "messages"}`;
  await browser.action.setTitle({ title: `QuickPay Wallet${words}` });
}

/** How long the toolbar button shows a purchase paid inside an allowance (the Wallet's "toast"). */
const ALLOWANCE_TOAST_MS = 4_000;

/**
 * A purchase paid with no window, inside the shop's allowance: the toolbar button says so for a few
 * seconds (a green check on the badge, and its name for screen readers), then shows the inbox count
 * again. The Wallet draws nothing into the page; the page's pay button shows its own progress.
 */
async function showAllowancePaid(purchase: StoredPurchase): Promise<void> {
  const order = purchase.signedOrder.order;
  await browser.action.setBadgeBackgroundColor({ color: "#11703a" });
  await browser.action.setBadgeText({ text: "✓" });
  await browser.action.setTitle({
    title: `QuickPay Wallet — paid ${displayMoney(order.amount)} to ${purchase.vendor.name} from your allowance`,
  });
  setTimeout(() => {
    void walletPromise
      .then((wallet) => wallet.inbox.publishUnread())
      .catch(logFailure("showing the unread count"));
  }, ALLOWANCE_TOAST_MS);
}

async function scheduleOutbox(wallet: Wallet): Promise<void> {
  await armOutboxAlarm(await wallet.outbox.nextDueAt());
}

async function drainAndSchedule(): Promise<void> {
  const wallet = await walletPromise;
  await wallet.outbox.drain();
  await scheduleOutbox(wallet);
}

function logFailure(what: string) {
  return (error: unknown) => console.error(`QuickPay Wallet: ${what} failed`, error);
}

const started: Promise<void> = walletPromise
  .then(async (wallet) => {
    await wallet.start();
    await scheduleOutbox(wallet);
  })
  .catch(logFailure("start"));

// Alarms may be cleared by a browser restart, so the sweep is re-armed on every worker start.
void browser.alarms
  .get(OUTBOX_SWEEP_ALARM)
  .then(async (alarm) => {
    if (!alarm) await browser.alarms.create(OUTBOX_SWEEP_ALARM, { periodInMinutes: OUTBOX_SWEEP_MINUTES });
  })
  .catch(logFailure("arming the outbox sweep"));

void browser.alarms
  .get(INBOX_ALARM)
  .then(async (alarm) => {
    if (!alarm) await browser.alarms.create(INBOX_ALARM, { periodInMinutes: INBOX_POLL_MINUTES });
  })
  .catch(logFailure("arming the inbox alarm"));

void browser.alarms
  .get(AUTO_LOCK_ALARM)
  .then(async (alarm) => {
    if (!alarm) await browser.alarms.create(AUTO_LOCK_ALARM, { periodInMinutes: 1 });
  })
  .catch(logFailure("arming the auto-lock alarm"));

/** Reads the host mailbox now: on the inbox alarm and when the browser starts (not on every worker start). */
function fetchInbox(): void {
  void started
    .then(async () => (await walletPromise).inbox.fetchNow())
    .catch(logFailure("fetching the inbox"));
}

/**
 * Opens the welcome tab unless this profile has seen it: Chromium reports an unpacked extension
 * loaded from the command line as installed again at every start, so "install" alone is not once.
 */
async function showOnboardingOnce(): Promise<void> {
  const key = "onboardingShownAt";
  if ((await browser.storage.local.get(key))[key] !== undefined) return;
  await browser.storage.local.set({ [key]: new Date().toISOString() });
  await browser.tabs.create({ url: browser.runtime.getURL("onboarding.html") });
}

browser.runtime.onInstalled.addListener((details) => {
  void started.then(drainAndSchedule).catch(logFailure("outbox on install"));
  // A new shopper first sees what QuickPay is and how to add a Paycard — once, not on every update.
  if (details.reason === "install") void showOnboardingOnce().catch(logFailure("onboarding"));
});
browser.runtime.onStartup.addListener(() => {
  void started.then(drainAndSchedule).catch(logFailure("outbox on startup"));
  fetchInbox();
});

browser.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name.startsWith(OUTBOX_ALARM)) void started.then(drainAndSchedule).catch(logFailure("outbox"));
  if (alarm.name === INBOX_ALARM) fetchInbox();
  if (alarm.name === AUTO_LOCK_ALARM)
    void walletPromise.then((w) => w.lock.checkIdle()).catch(logFailure("auto-lock"));
});

browser.windows.onRemoved.addListener((windowId) => {
  void walletPromise.then((w) => w.engine.windowClosed(windowId)).catch(logFailure("window closed"));
});

// With the polyfill a listener answers by returning a Promise (no sendResponse / `return true`);
// returning undefined leaves a message that is not ours unanswered.
browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => {
  const info = classifySender(sender, browser.runtime.id, EXTENSION_ORIGIN);
  if (!info) return undefined;
  return (async () => {
    const wallet = await walletPromise;
    await started;
    // The shopper using a Wallet page counts as activity (a vendor page's messages never do); an
    // idle time that ran out locks first, so this very message already sees the Wallet locked.
    if (info.kind === "ui") await wallet.lock.touch();
    else await wallet.lock.checkIdle();
    const reply = await routeWalletMessage(wallet.handlers, message, info);
    // A message may have queued something (an approval, Register Order); make sure the alarm will
    // wake a stopped worker for it (not awaited: the reply does not wait for the alarm).
    void scheduleOutbox(wallet).catch(logFailure("scheduling the outbox"));
    return reply;
  })();
});

/** For e2e and debugging from the worker's console: `await quickpayWallet()` gives the engine. */
(globalThis as { quickpayWallet?: () => Promise<Wallet> }).quickpayWallet = () => walletPromise;

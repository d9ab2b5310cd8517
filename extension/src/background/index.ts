/**
 * Service worker entry: wiring only. Builds the Wallet engine and connects it to the browser's
 * events (install/start, runtime messages, alarms for the outbox, the confirmation window closing).
 * The worker may be stopped at any moment; everything that must survive is in IndexedDB. While it
 * runs, the outbox's own timer resends what falls due; the alarm armed at the next due time is the
 * backstop that wakes a stopped worker for it.
 *
 * Browser APIs come from `webextension-polyfill` (Promise-based, the same `browser.*` as Firefox).
 * MV3: every listener is added synchronously while this module first runs, so the events that woke
 * the worker are delivered; each listener then waits for the engine (`walletPromise`, `started`).
 */
import { paycardModules } from "@quickpay/paycards";
import browser, { type Runtime } from "webextension-polyfill";
import { HOST_URL, PAYCARD_CODE_HASHES, WALLET_VERSION } from "../shared/build-config";
import { openWalletDb } from "./db";
import { routeWalletMessage } from "./router";
import { classifySender } from "./sender";
import { createWallet, type Wallet } from "./wallet";

const OUTBOX_ALARM = "quickpay-outbox";
const OUTBOX_SWEEP_ALARM = `${OUTBOX_ALARM}-sweep`;
/** A safety net besides the exact alarm: some browsers clamp short alarms to 30 s or more. */
const OUTBOX_SWEEP_MINUTES = 1;
/** `chrome-extension://<id>` or, in Firefox, `moz-extension://<uuid>`: how the Wallet's pages are told apart. */
const EXTENSION_ORIGIN = browser.runtime.getURL("").replace(/\/+$/, "");

async function openConfirmation(purchaseId: string): Promise<number | undefined> {
  const win = await browser.windows.create({
    type: "popup",
    url: browser.runtime.getURL(`confirm.html?id=${encodeURIComponent(purchaseId)}`),
    width: 420,
    height: 640,
    focused: true,
  });
  return win.id;
}

const walletPromise: Promise<Wallet> = (async () => {
  const db = await openWalletDb();
  return createWallet({
    db,
    hostUrl: HOST_URL,
    modules: paycardModules,
    codeHashes: PAYCARD_CODE_HASHES,
    openConfirmation,
    confirmationOpen: (windowId) =>
      browser.windows.get(windowId).then(
        () => true,
        () => false,
      ),
    version: WALLET_VERSION,
    onOutboxScheduled: (due) => {
      void armOutboxAlarm(due).catch(logFailure("arming the outbox alarm"));
    },
    logger: {
      warn: (obj, msg) => console.warn(`QuickPay Wallet: ${msg}`, obj),
      error: (obj, msg) => console.error(`QuickPay Wallet: ${msg}`, obj),
    },
  });
})();

/** Arms the outbox alarm for the next due message (replacing the previous one). */
async function armOutboxAlarm(due: number | undefined): Promise<void> {
  // Awaited although Firefox's alarms.create returns nothing (the polyfill passes it through).
  if (due !== undefined)
    await browser.alarms.create(OUTBOX_ALARM, { when: Math.max(due, Date.now() + 1_000) });
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

browser.runtime.onInstalled.addListener(() => {
  void started.then(drainAndSchedule).catch(logFailure("outbox on install"));
});
browser.runtime.onStartup.addListener(() => {
  void started.then(drainAndSchedule).catch(logFailure("outbox on startup"));
});

browser.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name.startsWith(OUTBOX_ALARM)) void started.then(drainAndSchedule).catch(logFailure("outbox"));
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
    const reply = await routeWalletMessage(wallet.handlers, message, info);
    // A message may have queued something (an approval, Register Order); make sure the alarm will
    // wake a stopped worker for it (not awaited: the reply does not wait for the alarm).
    void scheduleOutbox(wallet).catch(logFailure("scheduling the outbox"));
    return reply;
  })();
});

/** For e2e and debugging from the worker's console: `await quickpayWallet()` gives the engine. */
(globalThis as { quickpayWallet?: () => Promise<Wallet> }).quickpayWallet = () => walletPromise;

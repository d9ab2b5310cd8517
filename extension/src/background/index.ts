/**
 * Service worker entry: wiring only. Builds the Wallet engine and connects it to the browser's
 * events (install/start, runtime messages, alarms for the outbox, the confirmation window closing).
 * The worker may be stopped at any moment; everything that must survive is in IndexedDB.
 */
import { paycardModules } from "@quickpay/paycards";
import { HOST_URL, PAYCARD_CODE_HASHES, WALLET_VERSION } from "../shared/build-config";
import { openWalletDb } from "./db";
import { routeWalletMessage } from "./router";
import { classifySender } from "./sender";
import { createWallet, type Wallet } from "./wallet";

const OUTBOX_ALARM = "quickpay-outbox";
/** A safety net besides the exact alarm: some browsers clamp short alarms to 30 s or more. */
const OUTBOX_SWEEP_MINUTES = 1;

async function openConfirmation(purchaseId: string): Promise<number | undefined> {
  const win = await chrome.windows.create({
    type: "popup",
    url: chrome.runtime.getURL(`confirm.html?id=${encodeURIComponent(purchaseId)}`),
    width: 420,
    height: 600,
    focused: true,
  });
  return win?.id;
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
      chrome.windows.get(windowId).then(
        () => true,
        () => false,
      ),
    version: WALLET_VERSION,
  });
})();

/** Arms the outbox alarm for the next due message. */
async function scheduleOutbox(wallet: Wallet): Promise<void> {
  const due = await wallet.outbox.nextDueAt();
  if (due !== undefined)
    await chrome.alarms.create(OUTBOX_ALARM, { when: Math.max(due, Date.now() + 1_000) });
}

async function flushAndSchedule(): Promise<void> {
  const wallet = await walletPromise;
  await wallet.outbox.flush();
  await scheduleOutbox(wallet);
}

const started: Promise<void> = walletPromise
  .then(async (wallet) => {
    await wallet.start();
    await scheduleOutbox(wallet);
  })
  .catch((error) => console.error("QuickPay Wallet failed to start", error));

// Alarms may be cleared by a browser restart, so the sweep is re-armed on every worker start.
void chrome.alarms.get(`${OUTBOX_ALARM}-sweep`).then((alarm) => {
  if (!alarm) void chrome.alarms.create(`${OUTBOX_ALARM}-sweep`, { periodInMinutes: OUTBOX_SWEEP_MINUTES });
});

chrome.runtime.onInstalled.addListener(() => void started.then(flushAndSchedule));
chrome.runtime.onStartup.addListener(() => void started.then(flushAndSchedule));

chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name.startsWith(OUTBOX_ALARM)) void started.then(flushAndSchedule);
});

chrome.windows.onRemoved.addListener((windowId) => {
  void walletPromise.then((w) => w.engine.windowClosed(windowId));
});

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const info = classifySender(sender, chrome.runtime.id);
  if (!info) return false;
  void (async () => {
    const wallet = await walletPromise;
    await started;
    const reply = await routeWalletMessage(wallet.handlers, message, info);
    sendResponse(reply);
    // A purchase may have queued Register Order; make sure the alarm will retry it.
    await scheduleOutbox(wallet);
  })();
  return true;
});

/** For e2e and debugging from the worker's console: `await quickpayWallet()` gives the engine. */
(globalThis as { quickpayWallet?: () => Promise<Wallet> }).quickpayWallet = () => walletPromise;

/**
 * The local password: the shopper sets one in the options page, the wallet key and the Paycard's
 * credential are then stored encrypted (read back from the service worker: the private key and the
 * credential occur nowhere in IndexedDB or chrome.storage.local), the Wallet is locked, a pay click
 * asks to unlock in the Wallet's own window (a wrong password refused in words), then pays.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Worker } from "@playwright/test";
import { expect, test } from "../fixtures";
import { addDemoBankPaycard, clickPay, snapshotConfirmWindow, waitForWalletRegistered } from "../steps";

const PASSWORD = "blue harbour lantern";

/** What the service worker's `chrome.storage` offers (the journey's tsconfig has no chrome types). */
type ChromeStorage = {
  chrome: { storage: Record<"local" | "session", { get(keys: null): Promise<Record<string, unknown>> }> };
};

const screenshots = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "test-results",
  "screenshots",
);

/** Everything the Wallet keeps at rest, as one text: every IndexedDB store and chrome.storage.local. */
function atRest(serviceWorker: Worker): Promise<string> {
  return serviceWorker.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open("quickpay-wallet");
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const stores: Record<string, unknown[]> = {};
    for (const name of Array.from(db.objectStoreNames)) {
      stores[name] = await new Promise<unknown[]>((resolve, reject) => {
        const req = db.transaction(name).objectStore(name).getAll();
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    db.close();
    const local = await (globalThis as unknown as ChromeStorage).chrome.storage.local.get(null);
    return JSON.stringify({ stores, local });
  });
}

/** The secrets in the clear before a password is set: the private key and each credential string. */
function secrets(serviceWorker: Worker): Promise<{ privateKey: string; credentials: string[] }> {
  return serviceWorker.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open("quickpay-wallet");
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const get = <T>(store: string, all: boolean, key?: string) =>
      new Promise<T>((resolve, reject) => {
        const s = db.transaction(store).objectStore(store);
        const req = all ? s.getAll() : s.get(key!);
        req.onsuccess = () => resolve(req.result as T);
        req.onerror = () => reject(req.error);
      });
    const keys = await get<{ privateKey: string }>("keys", false, "wallet");
    const storage = await get<{ value: unknown }[]>("paycardStorage", true);
    db.close();
    // The demo bank module's credential for each Paycard (`paycard:<id>` → `{ credential, … }`).
    const credentials = storage
      .map((r) => (r.value as { credential?: unknown } | null)?.credential)
      .filter((c): c is string => typeof c === "string" && c.length >= 16);
    return { privateKey: keys.privateKey, credentials };
  });
}

test("a locked Wallet asks to unlock in its own window, then pays; the stored key is not plaintext", async ({
  context,
  wallet,
  network,
  serviceWorker,
}) => {
  await waitForWalletRegistered(wallet, network);
  await addDemoBankPaycard(wallet, network.accounts[0]!);

  const clear = await secrets(serviceWorker);
  expect(clear.privateKey.length).toBeGreaterThan(30);
  expect(clear.credentials.length).toBeGreaterThan(0);
  expect(await atRest(serviceWorker)).toContain(clear.privateKey);

  // Set a password in the options page (a mismatch is refused in words first).
  const options = await wallet.open("options");
  const security = options.getByTestId("security");
  await expect(security).toHaveAttribute("data-lock", "none");
  await security.getByTestId("security-new").fill(PASSWORD);
  await security.getByTestId("security-repeat").fill(`${PASSWORD}x`);
  await security.getByTestId("security-save").click();
  await expect(security.getByTestId("security-problem")).toContainText(/not the same/i);
  await security.getByTestId("security-repeat").fill(PASSWORD);
  await security.getByTestId("security-autolock-new").selectOption("5");
  await security.getByTestId("security-save").click();
  await expect(security).toHaveAttribute("data-lock", "unlocked");
  await expect(security.getByTestId("security-done")).toContainText(/encrypted/i);
  await security.screenshot({ path: path.join(screenshots, "options-security.png") });

  // Nothing secret at rest any more: not the private key, not the Paycard's credential.
  const rest = await atRest(serviceWorker);
  expect(rest).not.toContain(clear.privateKey);
  for (const c of clear.credentials) expect(rest).not.toContain(c);
  // The unlocked key lives in chrome.storage.session only.
  const session = await serviceWorker.evaluate(async () =>
    Object.keys(await (globalThis as unknown as ChromeStorage).chrome.storage.session.get(null)),
  );
  expect(session).toContain("quickpayUnlocked");

  await security.getByTestId("security-lock-now").click();
  await expect(security).toHaveAttribute("data-lock", "locked");
  expect(
    await serviceWorker.evaluate(async () =>
      Object.keys(await (globalThis as unknown as ChromeStorage).chrome.storage.session.get(null)),
    ),
  ).not.toContain("quickpayUnlocked");
  await options.close();

  // A pay click: the Wallet's window asks to unlock before showing the payment.
  const shop = await context.newPage();
  await shop.goto(network.shopUrl);
  const confirm = await clickPay(shop, "article-3");
  await expect(confirm.getByTestId("unlock")).toBeVisible();
  await expect(confirm.getByTestId("approve")).toHaveCount(0);
  await expect(confirm.getByTestId("confirm-paycard")).toHaveCount(0);
  await snapshotConfirmWindow(confirm, "confirm-unlock");
  // The page learned nothing: it waits, with no content.
  await expect(shop.locator("#article-3-body")).toBeEmpty();

  await confirm.getByTestId("unlock-password").fill("not my password");
  await confirm.getByTestId("unlock-submit").click();
  await expect(confirm.getByTestId("unlock-error")).toContainText(/password is not right/i);
  await expect(confirm.getByTestId("unlock-error")).toHaveAttribute("data-error-code", "wrong_password");
  await expect(confirm.getByTestId("unlock-password")).toBeFocused();

  await confirm.getByTestId("unlock-password").fill(PASSWORD);
  await confirm.getByTestId("unlock-submit").click();
  await expect(confirm.getByTestId("confirm-vendor-name")).toHaveText("The Daily Cent");
  await expect(confirm.getByTestId("confirm-paycard")).toContainText(/demo bank/i);
  await confirm.getByTestId("approve").click();

  await expect(shop.locator("#article-3-body")).not.toBeEmpty();
  await expect(shop.getByTestId("quickpay-status-article-3")).toHaveAttribute("data-state", "delivered");

  // Still nothing secret at rest after paying (the module wrote through the sealed storage).
  const after = await atRest(serviceWorker);
  expect(after).not.toContain(clear.privateKey);
  for (const c of clear.credentials) expect(after).not.toContain(c);
});

/**
 * The browser's side of the confirmation window (`ConfirmWindows` for confirm-queue.ts): opening it
 * wallet-popup sized near the shopper's browser window, telling whether a window id is still ours,
 * and finding a confirmation page a stopped worker opened without recording (runtime.getContexts).
 */
import browser from "webextension-polyfill";
import { CONFIRM_WINDOW, type ConfirmWindows } from "./confirm-queue";

export function browserConfirmWindows(): ConfirmWindows {
  const page = browser.runtime.getURL("confirm.html");
  // Ids of windows this worker opened: a window id alone may be reused by the browser after a
  // restart, so an id from IndexedDB counts as ours only if this worker opened it or it shows our page.
  const opened = new Set<number>();

  async function showing(): Promise<number[]> {
    const contexts = await browser.runtime.getContexts({ contextTypes: ["TAB"] });
    const ids = contexts
      .filter((c) => c.documentUrl?.startsWith(page) && c.windowId !== undefined && c.windowId >= 0)
      .map((c) => c.windowId);
    return [...new Set(ids)];
  }

  /** Top right of the window the shopper was looking at, like a wallet's own popup. */
  async function placement(): Promise<{ left?: number; top?: number }> {
    try {
      const last = await browser.windows.getLastFocused();
      if (last.left === undefined || last.top === undefined || last.width === undefined) return {};
      return { left: Math.max(0, last.left + last.width - CONFIRM_WINDOW.width - 16), top: last.top + 72 };
    } catch {
      return {};
    }
  }

  return {
    async open(purchaseId) {
      const create = (where: { left?: number; top?: number }) =>
        browser.windows.create({
          type: "popup",
          url: `${page}?id=${encodeURIComponent(purchaseId)}`,
          ...CONFIRM_WINDOW,
          ...where,
          focused: true,
        });
      // The browser refuses bounds mostly off screen (a window on another display, a headless
      // screen): then it places the window itself.
      const win = await create(await placement()).catch(() => create({}));
      if (win.id !== undefined) opened.add(win.id);
      return win.id;
    },
    async isOpen(windowId) {
      const exists = await browser.windows.get(windowId).then(
        () => true,
        () => false,
      );
      if (!exists) {
        opened.delete(windowId);
        return false;
      }
      return opened.has(windowId) || (await showing()).includes(windowId);
    },
    showing,
    async focus(windowId) {
      await browser.windows.update(windowId, { focused: true, drawAttention: true });
    },
    async close(windowId) {
      opened.delete(windowId);
      await browser.windows.remove(windowId);
    },
  };
}

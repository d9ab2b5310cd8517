/**
 * A headless stand-in for the browser's confirmation windows (`ConfirmWindows`), for the engine run
 * in Node by the tests and the fault matrix: nothing is drawn; a window "opens" as a fresh number and
 * stays "on screen" until the engine closes it or the test does (`shut`, the shopper's close button).
 * Share one across the wallets of a test to have a restarted worker find the windows the previous
 * one opened, as `runtime.getContexts` would.
 */
import type { ConfirmWindows } from "./confirm-queue";

export interface HeadlessWindows extends ConfirmWindows {
  /** The purchase each window was opened on, in order. */
  readonly opened: string[];
  /** The windows on screen now. */
  readonly onScreen: ReadonlySet<number>;
  /** The shopper closes a window without the engine hearing of it (call `engine.windowClosed` to tell it). */
  shut(windowId: number): void;
}

export function headlessWindows(options: { firstId?: number } = {}): HeadlessWindows {
  const opened: string[] = [];
  const onScreen = new Set<number>();
  let next = options.firstId ?? 1;
  return {
    opened,
    onScreen,
    async open(purchaseId) {
      opened.push(purchaseId);
      const id = next++;
      onScreen.add(id);
      return id;
    },
    async isOpen(windowId) {
      return onScreen.has(windowId);
    },
    // Every window here was opened through `open`, so none shows the page without a record of it.
    async showing() {
      return [];
    },
    async focus() {},
    async close(windowId) {
      onScreen.delete(windowId);
    },
    shut(windowId) {
      onScreen.delete(windowId);
    },
  };
}

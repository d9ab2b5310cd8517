/**
 * One pay button's behaviour without the DOM: restore a bought item when the button is wired, pay on
 * click, follow the Wallet's progress while paying, and say what happened. dom.ts gives it a way to
 * show a status line and to put content in the page; tests give it stand-ins for both.
 */
import type { PayResult, QuickPayProvider } from "@quickpay/protocol";
import {
  type ButtonState,
  describeOutcome,
  PROGRESS_EVENT,
  payForItem,
  progressView,
  restoredView,
  restoreItem,
  type StatusView,
  startingView,
} from "./pay";

export interface PayControllerOptions {
  itemId: string;
  /** Finds the shopper's Wallet (or resolves undefined after a short wait). */
  findWallet: () => Promise<QuickPayProvider | undefined>;
  /** Where the Wallet's in-page provider dispatches `quickpay:progress` (the page's window). */
  events: EventTarget;
  getWalletUrl?: string;
  locale?: string;
}

export interface PayControllerHooks {
  show(view: StatusView): void;
  /** Put the goods in the page; `restored` when they came from a receipt (nothing charged now). */
  deliver(result: PayResult, restored: boolean): void;
}

export interface PayController {
  readonly state: ButtonState;
  /**
   * Called once when the button is wired. Never blocks paying: a click while it runs goes ahead, and
   * a restored item is shown only if the button is still idle when the Wallet answers.
   */
  restore(): Promise<void>;
  /** A click. Ignored while paying and once delivered. */
  pay(): Promise<void>;
}

export function createPayController(options: PayControllerOptions, hooks: PayControllerHooks): PayController {
  const { itemId } = options;
  let state: ButtonState = "idle";
  const show = (view: StatusView) => {
    state = view.state;
    hooks.show(view);
  };

  return {
    get state() {
      return state;
    },

    async restore() {
      const wallet = await options.findWallet();
      if (!wallet || state !== "idle") return;
      const result = await restoreItem(wallet, itemId);
      if (!result || state !== "idle") return;
      hooks.deliver(result, true);
      show(restoredView(result, options.locale));
    },

    async pay() {
      if (state === "paying" || state === "delivered") return;
      show(startingView);
      let waited = false;
      const onProgress = (event: Event) => {
        const detail = (event as CustomEvent).detail as { itemId?: unknown; state?: unknown } | null;
        if (detail?.itemId !== itemId || state !== "paying") return;
        const view = progressView(detail.state);
        if (!view) return;
        if (view.progress !== "confirming") waited = true;
        show(view);
      };
      options.events.addEventListener(PROGRESS_EVENT, onProgress);
      let outcome: Awaited<ReturnType<typeof payForItem>>;
      try {
        outcome = await payForItem(options.findWallet, itemId);
      } finally {
        options.events.removeEventListener(PROGRESS_EVENT, onProgress);
      }
      if (outcome.state === "delivered") hooks.deliver(outcome.result, outcome.result.status === "restored");
      show(
        describeOutcome(outcome, {
          waited,
          ...(options.getWalletUrl ? { getWalletUrl: options.getWalletUrl } : {}),
          ...(options.locale ? { locale: options.locale } : {}),
        }),
      );
    },
  };
}

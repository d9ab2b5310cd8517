/**
 * One pay button's behaviour without the DOM: restore a bought item when the button is wired, pay on
 * click (asking the shopper which wallet when the page has two), follow the Wallet's progress while
 * paying, and say what happened. dom.ts gives it a way to show a status line, a wallet chooser and
 * to put content in the page; tests give it stand-ins.
 */
import type { PayProgressEvent, PayResult, QuickPayProvider } from "@quickpay/protocol";
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
import type { FoundWallet } from "./wallet";

export interface PayControllerOptions {
  itemId: string;
  /** The wallets on the page (an empty list after a short wait when there is none). */
  findWallets: () => Promise<FoundWallet[]>;
  /**
   * Asks the shopper which wallet pays when the page has more than one; undefined when they closed
   * the choice. Without it, the first wallet found pays.
   */
  chooseWallet?: (wallets: FoundWallet[]) => Promise<FoundWallet | undefined>;
  /**
   * Where a provider without `on()` dispatches `quickpay:progress` (the page's window); a provider
   * with `on("progress")` is heard through it alone, so two wallets' progress never mix.
   */
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
  /** The shopper's choice, kept for this button while the page lives (never stored). */
  let chosen: QuickPayProvider | undefined;
  /** The wallet that pays: the one chosen before, the only one, or the shopper's pick. */
  const pickWallet = async (): Promise<QuickPayProvider | undefined | "cancelled"> => {
    const wallets = await options.findWallets();
    if (chosen && wallets.some((w) => w.provider === chosen)) return chosen;
    if (wallets.length <= 1 || !options.chooseWallet) return wallets[0]?.provider;
    const pick = await options.chooseWallet(wallets);
    if (!pick) return "cancelled";
    chosen = pick.provider;
    return chosen;
  };

  return {
    get state() {
      return state;
    },

    async restore() {
      // Asks every wallet on the page: a receipt names no one, and the shopper should not have to
      // pick a wallet just to see what they bought. The first good answer wins.
      const wallets = await options.findWallets();
      if (wallets.length === 0 || state !== "idle") return;
      const results = await Promise.all(wallets.map((w) => restoreItem(w.provider, itemId)));
      const result = results.find((r) => r !== null);
      if (!result || state !== "idle") return;
      hooks.deliver(result, true);
      show(restoredView(result, options.locale));
    },

    async pay() {
      if (state === "paying" || state === "delivered") return;
      show(startingView);
      const wallet = await pickWallet();
      if (wallet === "cancelled") {
        show({ state: "idle", text: "" });
        return;
      }
      let waited = false;
      const onProgress = (detail: Partial<PayProgressEvent> | null) => {
        if (detail?.itemId !== itemId || state !== "paying") return;
        const view = progressView(detail.state);
        if (!view) return;
        if (view.progress !== "confirming") waited = true;
        show(view);
      };
      const onWindowProgress = (event: Event) => onProgress((event as CustomEvent).detail);
      const hasOn = typeof wallet?.on === "function" && typeof wallet.removeListener === "function";
      if (wallet && hasOn) wallet.on("progress", onProgress);
      else options.events.addEventListener(PROGRESS_EVENT, onWindowProgress);
      let outcome: Awaited<ReturnType<typeof payForItem>>;
      try {
        outcome = await payForItem(async () => wallet, itemId);
      } finally {
        if (wallet && hasOn) wallet.removeListener("progress", onProgress);
        else options.events.removeEventListener(PROGRESS_EVENT, onWindowProgress);
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

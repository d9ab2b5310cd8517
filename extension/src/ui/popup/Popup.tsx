/** The popup: the active Paycard and its balance, the latest purchase attempts, and registration state. */
import { useCallback, useEffect, useState } from "react";
import browser from "webextension-polyfill";
import { callWallet } from "../../shared/client";
import type {
  BalanceView,
  HistoryItem,
  LockStatusView,
  PaycardView,
  WalletStatus,
} from "../../shared/messages";
import { Brand } from "../shared/Brand";
import { UnlockForm } from "../shared/Unlock";
import { AllowancesLeft } from "./AllowancesLeft";
import { Inbox } from "./Inbox";
import { PopupView } from "./PopupView";

/** Refresh while open, so registration finishing or a purchase elsewhere shows without reopening. */
const REFRESH_MS = 1_500;
/** How many attempts the popup shows; the options page has all of them. */
export const POPUP_HISTORY_ROWS = 5;
/** A refresh may fail once while the service worker restarts; say so only when it keeps failing. */
const FAILURES_BEFORE_SHOWING = 2;

export function Popup() {
  const [status, setStatus] = useState<WalletStatus>();
  const [active, setActive] = useState<PaycardView | null>();
  const [cards, setCards] = useState<PaycardView[]>();
  const [switching, setSwitching] = useState<string>();
  const [switched, setSwitched] = useState<string>();
  const [switchError, setSwitchError] = useState<unknown>();
  const [balance, setBalance] = useState<BalanceView | null>();
  const [balanceError, setBalanceError] = useState<unknown>();
  const [history, setHistory] = useState<HistoryItem[]>();
  const [loadError, setLoadError] = useState<unknown>();
  const [failures, setFailures] = useState(0);
  /** A Wallet with a password that is locked shows the unlock step instead (lock.ts). */
  const [lock, setLock] = useState<LockStatusView>();

  const load = useCallback(async () => {
    callWallet("lock.status", {}).then(setLock, () => undefined);
    try {
      const [s, list, page] = await Promise.all([
        callWallet("wallet.status", {}),
        callWallet("paycards.list", {}),
        callWallet("history.page", { limit: POPUP_HISTORY_ROWS }),
      ]);
      setStatus(s);
      setActive(list.paycards.find((c) => c.active) ?? null);
      setCards(list.paycards);
      setHistory(page.items);
      setFailures(0);
      setLoadError(undefined);
    } catch (error) {
      setFailures((n) => n + 1);
      setLoadError(error);
      return;
    }
    try {
      setBalance(await callWallet("paycards.balance", {}));
      setBalanceError(undefined);
    } catch (error) {
      setBalanceError(error);
    }
  }, []);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const switchTo = async (card: PaycardView) => {
    setSwitching(card.paycardId);
    setSwitched(undefined);
    setSwitchError(undefined);
    try {
      await callWallet("paycards.setActive", { paycardId: card.paycardId });
      // The old card's balance must not show under the new one's name.
      setBalance(undefined);
      setSwitched(`Now paying with ${card.name} · ${card.accountLabel}.`);
      await load();
      document.getElementById("active-paycard")?.focus();
    } catch (error) {
      setSwitchError(error);
    } finally {
      setSwitching(undefined);
    }
  };

  if (lock?.locked) {
    return (
      <main className="popup-main">
        <header className="topbar">
          <Brand />
        </header>
        <UnlockForm
          lede="Unlock with your password to see your Paycards, balance and inbox."
          onUnlocked={(s) => {
            setLock(s);
            void load();
          }}
        />
      </main>
    );
  }

  return (
    <PopupView
      cards={cards}
      switching={switching}
      switched={switched}
      switchError={switchError}
      onSwitch={(card) => void switchTo(card)}
      status={status}
      active={active}
      balance={balance}
      balanceError={balanceError}
      history={history}
      loadError={failures >= FAILURES_BEFORE_SHOWING || !status ? loadError : undefined}
      onManagePaycards={() => void browser.runtime.openOptionsPage()}
      onRetry={() => void load()}
      inbox={<Inbox />}
      allowances={<AllowancesLeft />}
    />
  );
}

/** The popup: the active Paycard and its balance, the latest purchase attempts, and registration state. */
import { useCallback, useEffect, useState } from "react";
import browser from "webextension-polyfill";
import { callWallet } from "../../shared/client";
import type { BalanceView, HistoryItem, PaycardView, WalletStatus } from "../../shared/messages";
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
  const [balance, setBalance] = useState<BalanceView | null>();
  const [balanceError, setBalanceError] = useState<unknown>();
  const [history, setHistory] = useState<HistoryItem[]>();
  const [loadError, setLoadError] = useState<unknown>();
  const [failures, setFailures] = useState(0);

  const load = useCallback(async () => {
    try {
      const [s, list, page] = await Promise.all([
        callWallet("wallet.status", {}),
        callWallet("paycards.list", {}),
        callWallet("history.page", { limit: POPUP_HISTORY_ROWS }),
      ]);
      setStatus(s);
      setActive(list.paycards.find((c) => c.active) ?? null);
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

  return (
    <PopupView
      status={status}
      active={active}
      balance={balance}
      balanceError={balanceError}
      history={history}
      loadError={failures >= FAILURES_BEFORE_SHOWING || !status ? loadError : undefined}
      onManagePaycards={() => void browser.runtime.openOptionsPage()}
      onRetry={() => void load()}
    />
  );
}

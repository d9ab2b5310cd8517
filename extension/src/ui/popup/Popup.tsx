/** The popup: the active Paycard, its balance, recent orders, and the wallet's registration state. */
import { displayMoney } from "@quickpay/protocol";
import { useCallback, useEffect, useState } from "react";
import browser from "webextension-polyfill";
import { callWallet } from "../../shared/client";
import type { BalanceView, OrderView, PaycardView, WalletStatus } from "../../shared/messages";
import { errorText } from "../shared/mount";

/** Refresh while open, so registration finishing or a purchase elsewhere shows without reopening. */
const REFRESH_MS = 1_500;

export function Popup() {
  const [status, setStatus] = useState<WalletStatus>();
  const [active, setActive] = useState<PaycardView | null>();
  const [balance, setBalance] = useState<BalanceView | null>();
  const [balanceError, setBalanceError] = useState<string>();
  const [orders, setOrders] = useState<OrderView[]>([]);

  const load = useCallback(async () => {
    const [s, list, recent] = await Promise.all([
      callWallet("wallet.status", {}),
      callWallet("paycards.list", {}),
      callWallet("orders.recent", {}),
    ]);
    setStatus(s);
    setActive(list.paycards.find((c) => c.active) ?? null);
    setOrders(recent.orders);
    try {
      setBalance(await callWallet("paycards.balance", {}));
      setBalanceError(undefined);
    } catch (error) {
      setBalanceError(errorText(error));
    }
  }, []);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  return (
    <main className="popup">
      <h1>QuickPay Wallet</h1>
      <p className="muted">
        Wallet{" "}
        {/* The id is shown once the host has acknowledged Register Wallet, so its text means "registered". */}
        <code
          data-testid="wallet-id"
          data-registered={status?.registered ? "true" : "false"}
          data-wallet-id={status?.walletId ?? ""}
        >
          {status?.registered ? status.walletId : "…"}
        </code>{" "}
        <span data-testid="wallet-registered">{status?.registered ? "registered" : "registering…"}</span>
      </p>
      <section className="card" data-testid="active-paycard-section">
        {active === undefined ? (
          <p>Loading…</p>
        ) : active === null ? (
          <p data-testid="no-paycard">No Paycard yet.</p>
        ) : (
          <>
            <div
              data-testid="active-paycard"
              data-paycard-id={active.paycardId}
              style={{ borderColor: active.color }}
            >
              {active.name} · {active.accountLabel}
            </div>
            <div className="balance">
              {balance ? (
                <>
                  <strong data-testid="balance">{displayMoney(balance.available)}</strong>{" "}
                  <span className="muted" data-testid="balance-detail">
                    available ({displayMoney(balance.balance)} balance, {displayMoney(balance.held)} held)
                  </span>
                </>
              ) : balanceError ? (
                <span className="error" data-testid="balance-error">
                  {balanceError}
                </span>
              ) : (
                "…"
              )}
            </div>
          </>
        )}
        <a
          href="options.html"
          data-testid="add-paycard-link"
          onClick={(e) => {
            e.preventDefault();
            void browser.runtime.openOptionsPage();
          }}
        >
          Add Paycard
        </a>
      </section>
      <h2>Recent orders</h2>
      {orders.length === 0 ? <p className="muted">No orders yet.</p> : null}
      <ul className="orders">
        {orders.map((o) => (
          <li
            key={o.orderDigest}
            data-testid="order-item"
            data-order-digest={o.orderDigest}
            data-status={o.status}
          >
            <span data-testid="order-description">{o.description}</span>{" "}
            <span data-testid="order-amount">{displayMoney(o.amount)}</span>{" "}
            <span data-testid="order-status">{o.status}</span>
            <span className="muted"> · {o.vendorName}</span>
          </li>
        ))}
      </ul>
    </main>
  );
}

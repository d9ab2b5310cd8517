/** The options page: the wallet's Paycards (switch, add, remove), and the history. */
import { useCallback, useEffect, useState } from "react";
import { callWallet } from "../../shared/client";
import type { WalletStatus } from "../../shared/messages";
import { Brand } from "../shared/Brand";
import { ErrorMessage } from "../shared/mount";
import { AllowancesSection } from "./AllowancesSection";
import { BackupSection } from "./BackupSection";
import { HistorySection } from "./HistorySection";
import { PaycardsSection } from "./PaycardsSection";
import { SecuritySection } from "./SecuritySection";

export function Options() {
  const [status, setStatus] = useState<WalletStatus>();
  const [error, setError] = useState<unknown>();

  const load = useCallback(async () => {
    try {
      setStatus(await callWallet("wallet.status", {}));
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  // Registration finishes in the background on first run; show it without a reload.
  useEffect(() => {
    if (status?.registered) return;
    const timer = setInterval(() => void load(), 1_500);
    return () => clearInterval(timer);
  }, [status?.registered, load]);

  const registered = status?.registered === true;
  return (
    <div className="options-page">
      <header className="options-header">
        <div className="options-header-inner">
          <Brand />
          <nav aria-label="Sections" className="options-nav">
            <a href="#paycards">Paycards</a>
            <a href="#allowances">Allowances</a>
            <a href="#history">History</a>
            <a href="#security">Security</a>
            <a href="#backup">Backup</a>
          </nav>
        </div>
      </header>
      <main className="options-main">
        <p className="wallet-line">
          <span className={registered ? "chip chip--ok" : "chip chip--progress"}>
            {registered ? "Ready" : "Setting up…"}
          </span>
          <span className="muted">
            {registered ? "Your Wallet is connected to QuickPay." : "Your Wallet is connecting to QuickPay…"}
          </span>
        </p>
        {error ? (
          <ErrorMessage error={error} testid="options-error">
            <button type="button" className="button button--small" onClick={() => void load()}>
              Try again
            </button>
          </ErrorMessage>
        ) : null}

        <PaycardsSection />

        <AllowancesSection />

        <HistorySection />

        <SecuritySection />

        <BackupSection />

        {/* For support: what a helpdesk may ask for, out of the shopper's way. */}
        <details className="panel about-wallet" data-testid="about-wallet">
          <summary>About this Wallet</summary>
          <dl className="facts">
            <dt>Wallet id</dt>
            <dd>
              <code data-testid="wallet-id" data-registered={registered ? "true" : "false"}>
                {registered ? status?.walletId : "registering…"}
              </code>
            </dd>
            {status ? (
              <>
                <dt>Network</dt>
                <dd>
                  <code>{status.hostUrl}</code>
                </dd>
              </>
            ) : null}
          </dl>
        </details>
      </main>
    </div>
  );
}

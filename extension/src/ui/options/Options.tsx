/** The options page: the wallet's Paycards (switch the active one), adding a bundled Paycard, and the history. */
import { type CSSProperties, useCallback, useEffect, useState } from "react";
import { callWallet } from "../../shared/client";
import type { ModuleView, PaycardView, WalletStatus } from "../../shared/messages";
import { Brand } from "../shared/Brand";
import { ErrorMessage } from "../shared/mount";
import { AddPaycard } from "./AddPaycard";
import { HistorySection } from "./HistorySection";

export function Options() {
  const [cards, setCards] = useState<PaycardView[]>();
  const [modules, setModules] = useState<ModuleView[]>([]);
  const [status, setStatus] = useState<WalletStatus>();
  const [error, setError] = useState<unknown>();

  const load = useCallback(async () => {
    try {
      const [list, s] = await Promise.all([callWallet("paycards.list", {}), callWallet("wallet.status", {})]);
      setCards(list.paycards);
      setModules(list.modules);
      setStatus(s);
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

  const activate = async (paycardId: string) => {
    try {
      await callWallet("paycards.setActive", { paycardId });
      await load();
    } catch (e) {
      setError(e);
    }
  };

  const registered = status?.registered === true;
  return (
    <div className="options-page">
      <header className="options-header">
        <div className="options-header-inner">
          <Brand />
          <nav aria-label="Sections" className="options-nav">
            <a href="#paycards">Paycards</a>
            <a href="#history">History</a>
          </nav>
        </div>
      </header>
      <main className="options-main">
        <p className="wallet-line">
          <span className={registered ? "chip chip--ok" : "chip chip--progress"}>
            {registered ? "Ready" : "Setting up…"}
          </span>{" "}
          <span className="muted">Wallet</span>{" "}
          <code data-testid="wallet-id" data-registered={registered ? "true" : "false"}>
            {registered ? status?.walletId : "registering…"}
          </code>
          {status ? <span className="muted"> · network {status.hostUrl}</span> : null}
        </p>
        {error ? (
          <ErrorMessage error={error} testid="options-error">
            <button type="button" className="button button--small" onClick={() => void load()}>
              Try again
            </button>
          </ErrorMessage>
        ) : null}

        <section id="paycards" className="panel" aria-labelledby="paycards-heading">
          <h2 id="paycards-heading">Your Paycards</h2>
          <p className="section-lede">The active Paycard pays. Switch whenever you like.</p>
          {cards === undefined ? (
            <p className="muted">Loading…</p>
          ) : cards.length === 0 ? (
            <div className="empty">
              <p className="empty-title">No Paycards yet</p>
              <p className="empty-text">
                Add one below: your bank asks a few questions to link it to your account.
              </p>
            </div>
          ) : (
            <ul className="paycards" aria-label="Your Paycards">
              {cards.map((c) => (
                <li
                  key={c.paycardId}
                  className={c.active ? "paycard-row is-active" : "paycard-row"}
                  data-testid="paycard-item"
                  data-paycard-id={c.paycardId}
                  data-active={c.active ? "true" : "false"}
                  style={{ "--card-color": c.color } as CSSProperties}
                >
                  <span className="paycard-row-swatch" aria-hidden="true" />
                  <span className="paycard-row-text">
                    <strong>{c.name}</strong>
                    <span className="muted">{c.accountLabel}</span>
                  </span>
                  {c.active ? (
                    <span className="chip chip--ok" data-testid="paycard-active">
                      Active
                    </span>
                  ) : (
                    <button
                      type="button"
                      className="button button--small"
                      data-testid="paycard-activate"
                      aria-label={`Make ${c.name} ${c.accountLabel} the active Paycard`}
                      onClick={() => void activate(c.paycardId)}
                    >
                      Make active
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          <h3 className="subhead">Add a Paycard</h3>
          <div className="modules">
            {modules.map((m) => (
              <AddPaycard key={m.moduleId} module={m} onAdded={() => void load()} />
            ))}
          </div>
        </section>

        <HistorySection />
      </main>
    </div>
  );
}

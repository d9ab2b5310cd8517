/** What the popup shows, from what it loaded (Popup.tsx does the loading; tests render this alone). */
import type { CSSProperties, ReactNode } from "react";
import type { BalanceView, HistoryItem, PaycardView, WalletStatus } from "../../shared/messages";
import { Brand } from "../shared/Brand";
import { formatAmount } from "../shared/format";
import { HistoryList } from "../shared/History";
import { ErrorMessage } from "../shared/mount";
import { PaycardSwitcher } from "./PaycardSwitcher";

export interface PopupViewProps {
  status: WalletStatus | undefined;
  /** undefined while loading, null when the Wallet has no Paycard. */
  active: PaycardView | null | undefined;
  balance: BalanceView | null | undefined;
  balanceError: unknown;
  history: HistoryItem[] | undefined;
  loadError: unknown;
  onManagePaycards: () => void;
  onRetry: () => void;
  /** The inbox section (Inbox.tsx loads its own data; tests may leave it out). */
  inbox?: ReactNode;
  /** What each shop's allowance has left (AllowancesLeft.tsx loads its own data). */
  allowances?: ReactNode;
  /** Every Paycard (the switcher shows the ones not active); undefined while loading. */
  cards?: PaycardView[] | undefined;
  /** The card being made active just now. */
  switching?: string | undefined;
  /** What the last switch did, in words (a polite status), or its error. */
  switched?: string | undefined;
  switchError?: unknown;
  onSwitch?: (card: PaycardView) => void;
  locale?: string;
  timeZone?: string;
}

export function PopupView(props: PopupViewProps) {
  const { status, active, history } = props;
  const registered = status?.registered === true;
  return (
    <main className="popup-main">
      <header className="topbar">
        <Brand />
        <span
          className={registered ? "chip chip--ok" : "chip chip--progress"}
          data-testid="wallet-registered"
          title={
            registered ? "Registered with the QuickPay network" : "Registering with the QuickPay network"
          }
        >
          {registered ? "Ready" : "Setting up…"}
        </span>
      </header>

      {props.loadError ? (
        <ErrorMessage error={props.loadError} testid="popup-error">
          <button type="button" className="button button--small" onClick={props.onRetry}>
            Try again
          </button>
        </ErrorMessage>
      ) : null}

      <section aria-label="Active Paycard" data-testid="active-paycard-section">
        {active === undefined ? (
          <div className="paycard paycard--loading" aria-busy="true">
            <span className="skeleton skeleton--line" />
            <span className="skeleton skeleton--amount" />
            <span className="visually-hidden">Loading your Paycard…</span>
          </div>
        ) : active === null ? (
          <div className="empty" data-testid="no-paycard">
            <p className="empty-title">No Paycard yet</p>
            <p className="empty-text">Add a Paycard from your bank to pay at QuickPay shops.</p>
            <button
              type="button"
              className="button button--primary"
              data-testid="add-paycard-link"
              onClick={props.onManagePaycards}
            >
              Add a Paycard
            </button>
          </div>
        ) : (
          <>
            <ActivePaycard {...props} active={active} />
            {props.cards && props.onSwitch ? (
              <PaycardSwitcher cards={props.cards} switching={props.switching} onSwitch={props.onSwitch} />
            ) : null}
          </>
        )}
        <div aria-live="polite" className="pc-switch-status">
          {props.switched ? (
            <p className="notice notice--ok small" role="status" data-testid="paycard-switched">
              <span className="notice-text">{props.switched}</span>
            </p>
          ) : null}
        </div>
        {props.switchError ? <ErrorMessage error={props.switchError} testid="paycard-switch-error" /> : null}
      </section>

      {props.inbox}

      {props.allowances}

      <section className="section" aria-labelledby="recent-heading">
        <div className="section-head">
          <h2 id="recent-heading">Recent activity</h2>
          {history && history.length > 0 ? (
            <a
              href="options.html#history"
              target="_blank"
              rel="noopener"
              className="link"
              data-testid="history-link"
            >
              See all<span className="visually-hidden"> purchases</span>
            </a>
          ) : null}
        </div>
        {history === undefined ? (
          <p className="muted" aria-busy="true">
            Loading…
          </p>
        ) : history.length === 0 ? (
          <p className="empty-text" data-testid="history-empty">
            Nothing bought yet. What you buy with QuickPay shows up here.
          </p>
        ) : (
          <HistoryList
            items={history}
            label="Recent purchases"
            {...(props.locale ? { locale: props.locale } : {})}
            {...(props.timeZone ? { timeZone: props.timeZone } : {})}
          />
        )}
      </section>

      <footer className="footer">
        {/*
          No hex id for the shopper to puzzle over: the line says whether the Wallet is connected.
          The id (for support and tests) is in the options page's "About this Wallet" and in
          data-wallet-id, set once the host acknowledged Register Wallet.
        */}
        <span
          className="footer-id muted"
          data-testid="wallet-id"
          data-registered={registered ? "true" : "false"}
          data-wallet-id={registered ? (status?.walletId ?? "") : ""}
        >
          {registered ? "Connected to QuickPay" : "Setting up…"}
        </span>
        {active ? (
          <button
            type="button"
            className="button--link"
            data-testid="add-paycard-link"
            onClick={props.onManagePaycards}
          >
            Manage Paycards
          </button>
        ) : null}
      </footer>
    </main>
  );
}

function ActivePaycard({ active, balance, balanceError, locale }: PopupViewProps & { active: PaycardView }) {
  return (
    <div className="paycard" style={{ "--card-color": active.color } as CSSProperties}>
      {/* Focus lands here after a switch (the button pressed is gone: that card is now this one). */}
      <div
        className="paycard-name"
        id="active-paycard"
        tabIndex={-1}
        data-testid="active-paycard"
        data-paycard-id={active.paycardId}
      >
        <strong>{active.name}</strong> · {active.accountLabel}
      </div>
      {balanceError ? (
        <ErrorMessage error={balanceError} testid="balance-error" />
      ) : balance ? (
        <>
          <p className="paycard-balance">
            <strong data-testid="balance">{formatAmount(balance.available, locale)}</strong>
            <span className="paycard-balance-label">available</span>
          </p>
          <p className="paycard-detail" data-testid="balance-detail">
            {formatAmount(balance.balance, locale)} balance · {formatAmount(balance.held, locale)} pending
          </p>
        </>
      ) : balance === null ? (
        <p className="paycard-detail">This Paycard shows no balance.</p>
      ) : (
        <p className="paycard-balance" aria-busy="true">
          <span className="skeleton skeleton--amount" />
          <span className="visually-hidden">Loading the balance…</span>
        </p>
      )}
    </div>
  );
}

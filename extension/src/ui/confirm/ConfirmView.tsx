/**
 * What the confirmation window shows for one purchase: who asks (vendor name and origin), for what,
 * how much, which Paycard pays — and, when this Wallet holds a good receipt for the same item, that it
 * was bought already, with the copy offered first. Confirm.tsx loads and answers; tests render this.
 */
import { displayMoney } from "@quickpay/protocol";
import { wordsFor } from "@quickpay/protocol/words";
import { useEffect, useRef } from "react";
import type { ConfirmationView } from "../../shared/messages";
import { Brand } from "../shared/Brand";
import { answeredText, formatDateTime } from "../shared/format";
import { ErrorMessage } from "../shared/mount";

export type ConfirmAction = "approve" | "decline" | "receipt";

export interface ConfirmViewProps {
  view: ConfirmationView;
  /** The answer being sent, if any. */
  busy: ConfirmAction | undefined;
  error: unknown;
  /** The order's `expiresAt` has passed (the Wallet would refuse to pay it). */
  expired: boolean;
  onAnswer: (action: ConfirmAction) => void;
  onClose: () => void;
  locale?: string;
  timeZone?: string;
}

export function ConfirmView({
  view,
  busy,
  error,
  expired,
  onAnswer,
  onClose,
  locale,
  timeZone,
}: ConfirmViewProps) {
  const answered = view.status !== "confirming";
  const bought = view.boughtBefore;
  const heading = useRef<HTMLHeadingElement>(null);
  const copyButton = useRef<HTMLButtonElement>(null);
  const disabled = busy !== undefined || answered;

  // Focus lands on the safe choice: the free copy when there is one, else the title (never on Pay).
  useEffect(() => {
    if (bought && !answered) copyButton.current?.focus();
    else heading.current?.focus();
  }, [bought, answered]);

  const amount = displayMoney(view.amount);
  return (
    <main className="confirm-main" aria-labelledby="confirm-title">
      <header className="topbar">
        <Brand title="QuickPay" />
        <span className="muted small">Payment request</span>
      </header>

      <h1 id="confirm-title" ref={heading} tabIndex={-1}>
        {answered ? "Payment request answered" : bought ? "You already have this" : "Confirm payment"}
      </h1>

      <section className="merchant" aria-label="Shop">
        <span className="merchant-avatar" aria-hidden="true">
          {view.vendorName.trim().charAt(0).toUpperCase() || "?"}
        </span>
        <span className="merchant-text">
          <strong data-testid="confirm-vendor-name">{view.vendorName}</strong>
          <code data-testid="confirm-vendor-origin" title="The web address asking you to pay">
            {view.origin}
          </code>
        </span>
      </section>

      <section className={bought ? "summary summary--compact" : "summary"} aria-label="Order">
        <p className="summary-description" data-testid="confirm-description">
          {view.description}
        </p>
        <p className="summary-amount" data-testid="confirm-amount">
          {amount}
        </p>
        <dl className="facts">
          <dt>Pay with</dt>
          <dd data-testid="confirm-paycard">
            {view.paycard.name}
            {view.paycard.accountLabel ? ` · ${view.paycard.accountLabel}` : ""}
          </dd>
          {answered ? null : (
            <>
              <dt>Offer ends</dt>
              <dd>
                <time dateTime={view.expiresAt}>{formatDateTime(view.expiresAt, locale, timeZone)}</time>
              </dd>
            </>
          )}
        </dl>
      </section>

      {bought ? (
        <div className="notice notice--info notice--block" data-testid="bought-before" role="note">
          <p className="notice-title">
            You bought this on{" "}
            <time dateTime={bought.deliveredAt}>{formatDateTime(bought.deliveredAt, locale, timeZone)}</time>
          </p>
          <p className="notice-text">
            You paid {displayMoney(bought.amount)}.{" "}
            {bought.receiptUntil === "forever"
              ? "Your receipt is still good: your copy opens at no charge."
              : `Your receipt is good until ${formatDateTime(bought.receiptUntil, locale, timeZone)}: your copy opens at no charge.`}
          </p>
        </div>
      ) : null}

      {answered ? (
        <p
          className="notice notice--neutral"
          data-testid="confirm-state"
          data-status={view.status}
          role="status"
        >
          <span className="notice-text">{answeredText(view.status)}</span>
        </p>
      ) : expired ? (
        <p className="notice notice--warn" data-testid="confirm-expired" role="status">
          <span className="notice-text">{wordsFor("order_expired")}</span>
        </p>
      ) : null}

      {error ? <ErrorMessage error={error} testid="confirm-error" /> : null}

      {answered ? (
        <div className="actions">
          <button type="button" className="button" onClick={onClose}>
            Close
          </button>
        </div>
      ) : bought ? (
        <div className="actions actions--stack">
          <button
            ref={copyButton}
            type="button"
            className="button button--primary button--large"
            data-testid="use-receipt"
            disabled={disabled}
            aria-busy={busy === "receipt"}
            onClick={() => onAnswer("receipt")}
          >
            {busy === "receipt" ? "Opening…" : "Open my copy (no charge)"}
          </button>
          <div className="actions-row">
            <button
              type="button"
              className="button"
              data-testid="approve"
              disabled={disabled || expired}
              aria-busy={busy === "approve"}
              onClick={() => onAnswer("approve")}
            >
              {busy === "approve" ? "Paying…" : `Pay again ${amount}`}
            </button>
            <button
              type="button"
              className="button button--ghost"
              data-testid="decline"
              disabled={disabled}
              onClick={() => onAnswer("decline")}
            >
              Decline
            </button>
          </div>
        </div>
      ) : (
        <div className="actions actions--split">
          <button
            type="button"
            className="button button--large"
            data-testid="decline"
            disabled={disabled}
            onClick={() => onAnswer("decline")}
          >
            Decline
          </button>
          <button
            type="button"
            className="button button--primary button--large"
            data-testid="approve"
            disabled={disabled || expired}
            aria-busy={busy === "approve"}
            onClick={() => onAnswer("approve")}
          >
            {busy === "approve" ? "Paying…" : `Pay ${amount}`}
          </button>
        </div>
      )}

      {answered ? null : (
        <p className="fineprint">
          The shop never learns who you are. Closing this window or pressing Esc declines.
        </p>
      )}
    </main>
  );
}

/**
 * What the confirmation window shows for one purchase: who asks (vendor name and verified origin),
 * for what, how much, which Paycard pays and what it has — Approve disabled, with the reason in words,
 * when that card cannot pay, and a picker for another — where it stands in the queue ("1 of 3"), and,
 * when this Wallet holds a good receipt for the same item, that it was bought already, with the copy
 * offered first. Confirm.tsx loads and answers; tests render this.
 */
import { wordsFor } from "@quickpay/protocol/words";
import { useEffect, useRef } from "react";
import type { ConfirmationView, PaycardOverview } from "../../shared/messages";
import { Brand } from "../shared/Brand";
import { answeredText, formatAmount, formatDateTime } from "../shared/format";
import { ErrorMessage } from "../shared/mount";
import { type AllowanceChoice, AllowanceOffer } from "./AllowanceOffer";
import { CardPicker } from "./CardPicker";
import { canPay, fundsFor } from "./funds";

export type ConfirmAction = "approve" | "decline" | "receipt";

/** The Paycard choice for this purchase, and the balances to judge it by. */
export interface CardChoice {
  /** `paycards.overview` by card id; undefined while the brokers are asked. */
  overview: Map<string, PaycardOverview> | undefined;
  overviewFailed: boolean;
  selected: string;
  makeActive: boolean;
  onSelect: (paycardId: string) => void;
  onMakeActive: (makeActive: boolean) => void;
}

export interface ConfirmViewProps {
  view: ConfirmationView;
  /** The answer being sent, if any. */
  busy: ConfirmAction | undefined;
  error: unknown;
  /** The order's `expiresAt` has passed (the Wallet would refuse to pay it). */
  expired: boolean;
  onAnswer: (action: ConfirmAction) => void;
  /** Close (an answered request): the next one in the queue, or the window closes. */
  onClose: () => void;
  /**
   * This request's place among the requests of this window ("2 of 3"; shown when there are several)
   * and how many still wait, this one included.
   */
  queue?: { position: number; total: number; waiting: number };
  /** "Decline all": offered when more than one request waits. */
  onDeclineAll?: () => void;
  card: CardChoice;
  /** "Don't ask again on this shop": the shopper's choice (offered for micro orders, under Pay). */
  allowance?: { choice: AllowanceChoice; onChange: (choice: AllowanceChoice) => void };
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
  queue,
  onDeclineAll,
  card,
  allowance,
  locale,
  timeZone,
}: ConfirmViewProps) {
  const answered = view.status !== "confirming";
  const bought = view.boughtBefore;
  const heading = useRef<HTMLHeadingElement>(null);
  const copyButton = useRef<HTMLButtonElement>(null);
  const disabled = busy !== undefined || answered;
  const funds = fundsFor(view.amount, card.overview?.get(card.selected), {
    failed: card.overviewFailed,
    locale,
  });
  const cannotPay = !answered && !canPay(funds);
  const several = queue !== undefined && queue.total > 1;

  // Focus lands on the safe choice: the free copy when there is one, else the title (never on Pay).
  useEffect(() => {
    if (bought && !answered) copyButton.current?.focus();
    else heading.current?.focus();
  }, [bought, answered]);

  const amount = formatAmount(view.amount, locale);
  return (
    <main className="confirm-main" aria-labelledby="confirm-title">
      <header className="topbar">
        <Brand title="QuickPay" />
        {several ? (
          <span className="queue-position">
            <span className="visually-hidden">Payment request </span>
            <span data-testid="confirm-queue-position">
              {queue.position} of {queue.total}
            </span>
          </span>
        ) : (
          <span className="muted small">Payment request</span>
        )}
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
          <span className="verified" data-testid="confirm-verified">
            <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" focusable="false">
              <path d="M3 8.5 6.5 12 13 4.5" fill="none" stroke="currentColor" strokeWidth="2" />
            </svg>
            Registered QuickPay shop at this address
          </span>
        </span>
      </section>

      <section className={bought ? "summary summary--compact" : "summary"} aria-label="Order">
        <p className="summary-description" data-testid="confirm-description">
          {view.description}
        </p>
        <p className="summary-amount" data-testid="confirm-amount">
          {amount}
        </p>
        {answered ? null : (
          <dl className="facts">
            <dt>Offer ends</dt>
            <dd>
              <time dateTime={view.expiresAt}>{formatDateTime(view.expiresAt, locale, timeZone)}</time>
            </dd>
          </dl>
        )}
      </section>

      {answered ? null : (
        <CardPicker
          amount={view.amount}
          cards={view.paycards}
          overview={card.overview}
          overviewFailed={card.overviewFailed}
          selected={card.selected}
          disabled={disabled}
          onSelect={card.onSelect}
          makeActive={card.makeActive}
          onMakeActive={card.onMakeActive}
          {...(locale === undefined ? {} : { locale })}
        />
      )}

      {!answered && (funds.state === "short" || funds.state === "unusable") ? (
        <p
          className="notice notice--warn"
          id="confirm-funds"
          data-testid="confirm-funds-short"
          data-reason-code={funds.state === "short" ? "insufficient_funds" : funds.code}
          role="status"
        >
          <span className="notice-text">{funds.words}</span>
        </p>
      ) : !answered && funds.state === "unknown" ? (
        <p className="notice notice--neutral" data-testid="confirm-funds-unknown" role="status">
          <span className="notice-text">{funds.words}</span>
        </p>
      ) : null}

      {bought ? (
        <div className="notice notice--info notice--block" data-testid="bought-before" role="note">
          <p className="notice-title">
            You bought this on{" "}
            <time dateTime={bought.deliveredAt}>{formatDateTime(bought.deliveredAt, locale, timeZone)}</time>
          </p>
          <p className="notice-text">
            You paid {formatAmount(bought.amount, locale)}.{" "}
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
          <button type="button" className="button" data-testid="confirm-close" onClick={onClose}>
            {queue !== undefined && queue.waiting > 0 ? "Next request" : "Close"}
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
              disabled={disabled || expired || cannotPay}
              aria-describedby={cannotPay ? "confirm-funds" : undefined}
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
            disabled={disabled || expired || cannotPay}
            aria-describedby={cannotPay ? "confirm-funds" : undefined}
            aria-busy={busy === "approve"}
            onClick={() => onAnswer("approve")}
          >
            {busy === "approve" ? "Paying…" : `Pay ${amount}`}
          </button>
        </div>
      )}

      {allowance && !answered && !bought && view.allowance ? (
        <AllowanceOffer
          view={view}
          choice={allowance.choice}
          disabled={disabled}
          onChange={allowance.onChange}
          {...(locale === undefined ? {} : { locale })}
        />
      ) : null}

      {queue !== undefined && queue.waiting > 1 && !answered && onDeclineAll ? (
        <div className="actions actions--center">
          <button
            type="button"
            className="button button--link"
            data-testid="decline-all"
            disabled={disabled}
            onClick={onDeclineAll}
          >
            Decline all {queue.waiting} requests
          </button>
        </div>
      ) : null}

      {answered ? null : (
        <p className="fineprint">
          The shop never learns who you are.{" "}
          {queue !== undefined && queue.waiting > 1
            ? "Esc declines this request; closing the window declines all of them."
            : "Closing this window or pressing Esc declines."}
        </p>
      )}
    </main>
  );
}

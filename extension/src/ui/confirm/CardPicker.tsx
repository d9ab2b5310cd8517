/**
 * "Pay with": the Paycard that pays this purchase with its available balance — and, when the Wallet
 * holds several, a radio group to pick another for this purchase only (with "make it my active
 * Paycard" as a separate, unticked choice). Arrow keys move between cards, as in any radio group.
 */
import type { MoneyWire } from "@quickpay/protocol";
import type { PaycardOverview, PaycardView } from "../../shared/messages";
import { formatAmount } from "../shared/format";
import { fundsFor } from "./funds";

export interface CardPickerProps {
  amount: MoneyWire;
  /** The Wallet's cards (no balances yet while those are asked). */
  cards: PaycardView[];
  /** Balances by card id, once the brokers answered (`paycards.overview`). */
  overview: Map<string, PaycardOverview> | undefined;
  overviewFailed: boolean;
  selected: string;
  disabled: boolean;
  onSelect: (paycardId: string) => void;
  makeActive: boolean;
  onMakeActive: (makeActive: boolean) => void;
  locale?: string;
}

/** The card's second line: its bank, then what it has for this payment. */
function BalanceText(
  props: Pick<CardPickerProps, "amount" | "overview" | "overviewFailed" | "locale"> & { card: PaycardView },
) {
  return (
    <span className="card-detail">
      {props.card.name} · <Funds {...props} />
    </span>
  );
}

function Funds({
  amount,
  card,
  overview,
  overviewFailed,
  locale,
}: Pick<CardPickerProps, "amount" | "overview" | "overviewFailed" | "locale"> & { card: PaycardView }) {
  const funds = fundsFor(amount, overview?.get(card.paycardId), { failed: overviewFailed, locale });
  switch (funds.state) {
    case "checking":
      return <span className="card-balance muted">Checking balance…</span>;
    case "enough":
      return (
        <span className="card-balance" data-testid="confirm-balance">
          {formatAmount(funds.available, locale)} available
        </span>
      );
    case "short":
      return (
        <span className="card-balance card-balance--short" data-testid="confirm-balance">
          {formatAmount(funds.available, locale)} available · not enough
        </span>
      );
    case "unusable":
      return <span className="card-balance card-balance--short">Cannot pay this</span>;
    case "unknown":
      return <span className="card-balance muted">Balance not available</span>;
  }
}

export function CardPicker(props: CardPickerProps) {
  const { cards, selected, disabled, onSelect, makeActive, onMakeActive } = props;
  const chosen = cards.find((c) => c.paycardId === selected);
  if (cards.length <= 1 || !chosen) {
    return (
      <section className="pay-with" aria-label="Pay with">
        <p className="pay-with-title">Pay with</p>
        <div className="card-choice is-selected">
          <span className="card-swatch" style={{ background: chosen?.color ?? "#555" }} aria-hidden="true" />
          <span className="card-text" data-testid="confirm-paycard">
            <span className="card-name">{chosen ? chosen.accountLabel || chosen.name : "Your Paycard"}</span>
            {chosen ? <BalanceText {...props} card={chosen} /> : null}
          </span>
        </div>
      </section>
    );
  }
  return (
    <fieldset className="pay-with" disabled={disabled}>
      <legend className="pay-with-title">Pay with</legend>
      <div className="card-choices">
        {cards.map((card) => {
          const funds = fundsFor(props.amount, props.overview?.get(card.paycardId), {
            failed: props.overviewFailed,
          });
          const isSelected = card.paycardId === selected;
          return (
            <label
              key={card.paycardId}
              className={isSelected ? "card-choice is-selected" : "card-choice"}
              data-testid="paycard-option"
              data-paycard-id={card.paycardId}
              data-selected={isSelected}
              data-funds={funds.state}
            >
              <input
                type="radio"
                name="paycard"
                value={card.paycardId}
                checked={isSelected}
                onChange={() => onSelect(card.paycardId)}
              />
              <span className="card-swatch" style={{ background: card.color }} aria-hidden="true" />
              <span className="card-text" {...(isSelected ? { "data-testid": "confirm-paycard" } : {})}>
                <span className="card-name">{card.accountLabel || card.name}</span>
                <BalanceText {...props} card={card} />
              </span>
              {card.active ? <span className="card-active">Active</span> : null}
            </label>
          );
        })}
      </div>
      {!chosen.active ? (
        <label className="make-active">
          <input
            type="checkbox"
            data-testid="confirm-make-active"
            checked={makeActive}
            onChange={(e) => onMakeActive(e.currentTarget.checked)}
          />
          <span>Also make it my active Paycard</span>
        </label>
      ) : null}
    </fieldset>
  );
}

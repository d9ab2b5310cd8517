/**
 * The confirmation window's allowance offer, under Pay: "Don't ask again on this shop: up to [$0.10]
 * per [day]". Ticked, approving this payment also lets this shop (its verified vendor and address)
 * take micropayments up to that much per calendar period from the active Paycard with no window.
 * When the shop has an allowance already and this request did not fit in it, says so instead.
 */
import { parseMoney } from "@quickpay/protocol";
import type { AllowancePeriod, AllowanceView, ConfirmationView } from "../../shared/messages";
import { formatAmount } from "../shared/format";

/** The limits offered (units of the shop's currency); those below the amount asked are left out. */
export const ALLOWANCE_CHOICES = ["0.05", "0.10", "0.25", "0.50", "1.00", "5.00"] as const;
export const PERIOD_WORDS = { day: "day", week: "week", month: "month" } as const satisfies Record<
  AllowancePeriod,
  string
>;
const THIS_PERIOD = { day: "today", week: "this week", month: "this month" } as const;

export interface AllowanceChoice {
  on: boolean;
  limit: string;
  period: AllowancePeriod;
}

/** The limits worth offering for this amount, and the one preselected ($0.10, or the first that fits). */
export function allowanceChoices(amount: ConfirmationView["amount"]): { choices: string[]; preset: string } {
  const asked = parseMoney(amount).micros;
  const choices = ALLOWANCE_CHOICES.filter(
    (value) => parseMoney({ currency: amount.currency, value }).micros >= asked,
  );
  const preset = choices.includes("0.10") ? "0.10" : (choices[0] ?? "");
  return { choices, preset };
}

/** "$0.09 left today of $0.10": what an allowance has left in words. */
export function allowanceLeftWords(a: AllowanceView, locale?: string): string {
  return `${formatAmount(a.left, locale)} left ${THIS_PERIOD[a.period]} of ${formatAmount(a.limit, locale)} per ${PERIOD_WORDS[a.period]}`;
}

export function AllowanceOffer({
  view,
  choice,
  disabled,
  onChange,
  locale,
}: {
  view: ConfirmationView;
  choice: AllowanceChoice;
  disabled: boolean;
  onChange: (choice: AllowanceChoice) => void;
  locale?: string;
}) {
  const current = view.allowance?.current ?? null;
  // The shop has an allowance: say so when this request is past what it has left (otherwise it was
  // asked for another reason — a copy already bought, a locked Wallet — and no offer is repeated).
  if (current && parseMoney(current.left).micros >= parseMoney(view.amount).micros) return null;
  if (current) {
    return (
      <p className="notice notice--info allowance-note" data-testid="confirm-allowance-exceeded" role="note">
        <span className="notice-text">
          This payment is more than your allowance on this shop has left (
          {allowanceLeftWords(current, locale)}), so QuickPay asks you. You can change the allowance in the
          Wallet's settings.
        </span>
      </p>
    );
  }
  const { choices } = allowanceChoices(view.amount);
  if (view.allowance?.offer !== true || choices.length === 0) return null;
  return (
    <fieldset className="allowance-offer" data-testid="confirm-allowance-offer" disabled={disabled}>
      <legend className="visually-hidden">Pay without asking next time</legend>
      <label className="allowance-toggle">
        <input
          type="checkbox"
          data-testid="confirm-allowance-on"
          checked={choice.on}
          aria-describedby="allowance-help"
          onChange={(e) => onChange({ ...choice, on: e.currentTarget.checked })}
        />
        <span>Don't ask again on this shop</span>
      </label>
      <div className="allowance-limit">
        <label htmlFor="allowance-amount">up to</label>
        <select
          id="allowance-amount"
          data-testid="confirm-allowance-limit"
          value={choice.limit}
          onChange={(e) => onChange({ ...choice, on: true, limit: e.currentTarget.value })}
        >
          {choices.map((value) => (
            <option key={value} value={value}>
              {formatAmount({ currency: view.amount.currency, value }, locale)}
            </option>
          ))}
        </select>
        <label htmlFor="allowance-period">per</label>
        <select
          id="allowance-period"
          data-testid="confirm-allowance-period"
          value={choice.period}
          onChange={(e) =>
            onChange({ ...choice, on: true, period: e.currentTarget.value as AllowancePeriod })
          }
        >
          {(Object.keys(PERIOD_WORDS) as AllowancePeriod[]).map((p) => (
            <option key={p} value={p}>
              {PERIOD_WORDS[p]}
            </option>
          ))}
        </select>
      </div>
      <p id="allowance-help" className="allowance-help">
        {view.vendorName} can then take small payments up to this much per {PERIOD_WORDS[choice.period]} from
        your active Paycard without this window. You can change or stop it in Settings.
      </p>
    </fieldset>
  );
}

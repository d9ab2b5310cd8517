/** The popup's Allowances as shown (AllowancesLeft.tsx loads them): what each shop's allowance has left. */
import type { AllowanceView } from "../../shared/messages";
import { PERIOD_WORDS } from "../confirm/AllowanceOffer";
import { formatAmount } from "../shared/format";
import "./allowances-left.css";

export function AllowancesLeftView({ allowances, locale }: { allowances: AllowanceView[]; locale?: string }) {
  if (allowances.length === 0) return null;
  return (
    <section className="section" aria-labelledby="allowances-heading" data-testid="popup-allowances">
      <div className="section-head">
        <h2 id="allowances-heading">Allowances</h2>
        <a href="options.html#allowances" target="_blank" rel="noopener" className="link">
          Manage<span className="visually-hidden"> allowances</span>
        </a>
      </div>
      <ul className="allowances-left" aria-label="What each allowance has left">
        {allowances.map((a) => (
          <li key={a.key} className="allowance-left-row" data-testid="popup-allowance" data-origin={a.origin}>
            <span className="history-title">{a.vendorName}</span>
            <span className="history-amount" data-testid="popup-allowance-left">
              {formatAmount(a.left, locale)} left
            </span>
            <span className="muted small allowance-left-of">
              of {formatAmount(a.limit, locale)} per {PERIOD_WORDS[a.period]}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

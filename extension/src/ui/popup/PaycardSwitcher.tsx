/**
 * The popup's Paycard switcher: under the active card, the wallet's other Paycards, each one click
 * (or Enter) from paying. Shown only when there is more than one card.
 */
import type { CSSProperties } from "react";
import type { PaycardView } from "../../shared/messages";
import "../shared/paycards.css";

export function PaycardSwitcher({
  cards,
  switching,
  onSwitch,
}: {
  cards: PaycardView[];
  /** The card being made active just now (its button waits). */
  switching?: string | undefined;
  onSwitch: (card: PaycardView) => void;
}) {
  const others = cards.filter((c) => !c.active);
  if (others.length === 0) return null;
  return (
    <div className="pc-switcher" data-testid="paycard-switcher">
      <h2 className="pc-switcher-title" id="switch-heading">
        Switch Paycard
      </h2>
      <ul className="pc-switcher-list" aria-labelledby="switch-heading">
        {others.map((c) => (
          <li key={c.paycardId} style={{ "--card-color": c.color } as CSSProperties}>
            <button
              type="button"
              className="pc-switch"
              data-testid="paycard-switch"
              data-paycard-id={c.paycardId}
              aria-label={`Pay with ${c.name} · ${c.accountLabel}`}
              disabled={switching !== undefined}
              aria-busy={switching === c.paycardId}
              onClick={() => onSwitch(c)}
            >
              <span className="paycard-row-swatch pc-switch-swatch" aria-hidden="true" />
              <span className="pc-switch-text">
                <strong>{c.accountLabel}</strong>
                <span className="muted small">{c.name}</span>
              </span>
              <span className="pc-switch-action" aria-hidden="true">
                {switching === c.paycardId ? "Switching…" : "Use"}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

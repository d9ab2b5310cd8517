/**
 * The options page's Paycards, as shown (PaycardsSection.tsx loads them; tests render this alone):
 * each card with its broker, balance and status, the active one marked, the others one click from
 * active, and every card removable through a confirmation dialog.
 */
import { wordsFor } from "@quickpay/protocol/words";
import type { CSSProperties } from "react";
import type { PaycardOverview, PaycardRemoval, PaycardView } from "../../shared/messages";
import { formatAmount } from "../shared/format";
import "../shared/paycards.css";

/** A card as listed: always the stored view, the broker's side once the overview answered. */
export type ListedPaycard = PaycardView & Partial<Omit<PaycardOverview, keyof PaycardView>>;

export const cardTitle = (c: Pick<PaycardView, "name" | "accountLabel">) => `${c.name} · ${c.accountLabel}`;

/** What the Wallet says after a removal: which card pays now, or that none does. */
export function removalNotice(r: PaycardRemoval): string {
  const removed = `Removed ${cardTitle(r.removed)}.`;
  if (!r.activeChanged) return removed;
  return r.active
    ? `${removed} ${cardTitle(r.active)} is now your active Paycard.`
    : `${removed} You have no Paycard now: add one to pay at QuickPay shops.`;
}

/** What a card's status reads as, and how it looks. */
export function statusOf(card: ListedPaycard): {
  words: string;
  tone: "ok" | "warn" | "danger" | "progress";
} {
  switch (card.status) {
    case undefined:
      return { words: "Checking…", tone: "progress" };
    case "ready":
      return { words: "Ready to pay", tone: "ok" };
    case "revoked":
      return { words: "No longer accepted", tone: "danger" };
    case "unavailable":
      return { words: "Bank not reachable", tone: "warn" };
  }
}

/** Why a card cannot pay just now, with what to do, in words. */
export function statusDetail(card: ListedPaycard): string | undefined {
  if (card.status === "revoked") {
    return `${card.brokerName ?? card.name} no longer accepts this Paycard. Remove it, then add it again to keep using the account.`;
  }
  if (card.status === "unavailable" && card.error) {
    return wordsFor(card.error.code);
  }
  return undefined;
}

export function PaycardList({
  cards,
  busy,
  onActivate,
  onRemove,
}: {
  cards: ListedPaycard[];
  /** The card an action is under way for (its buttons wait). */
  busy?: string | undefined;
  onActivate: (card: ListedPaycard) => void;
  onRemove: (card: ListedPaycard) => void;
}) {
  return (
    <ul className="paycards" aria-label="Your Paycards">
      {cards.map((c) => {
        const status = statusOf(c);
        const detail = statusDetail(c);
        const title = cardTitle(c);
        const detailId = `paycard-${c.paycardId}-detail`;
        return (
          <li
            key={c.paycardId}
            className={c.active ? "paycard-row pc-row is-active" : "paycard-row pc-row"}
            data-testid="paycard-item"
            data-paycard-id={c.paycardId}
            data-active={c.active ? "true" : "false"}
            data-status={c.status ?? "checking"}
            aria-current={c.active ? "true" : undefined}
            aria-describedby={detail ? detailId : undefined}
            style={{ "--card-color": c.color } as CSSProperties}
          >
            <span className="paycard-row-swatch" aria-hidden="true" />
            <span className="paycard-row-text pc-text">
              <strong className="pc-title">
                {c.accountLabel}
                {c.active ? (
                  <span className="chip chip--ok pc-active" data-testid="paycard-active">
                    Active
                  </span>
                ) : null}
              </strong>
              <span className="pc-meta">
                <span data-testid="paycard-broker">{c.brokerName ?? c.name}</span>
                <span aria-hidden="true"> · </span>
                <span className={`pc-status pc-status--${status.tone}`} data-testid="paycard-status">
                  {status.words}
                </span>
              </span>
              {detail ? (
                <span className="pc-detail" id={detailId}>
                  {detail}
                </span>
              ) : null}
            </span>
            <span className="pc-balance" data-testid="paycard-balance">
              {c.balance ? (
                <>
                  <strong>{formatAmount(c.balance.available)}</strong>
                  <span className="muted small">available</span>
                </>
              ) : c.status === undefined ? (
                <span className="skeleton skeleton--line pc-skeleton" aria-hidden="true" />
              ) : (
                <span className="muted small">—</span>
              )}
            </span>
            <span className="pc-actions">
              {c.active ? null : (
                <button
                  type="button"
                  className="button button--small"
                  data-testid="paycard-activate"
                  aria-label={`Make ${title} the active Paycard`}
                  disabled={busy === c.paycardId}
                  onClick={() => onActivate(c)}
                >
                  Make active
                </button>
              )}
              <button
                type="button"
                className="button button--small button--ghost pc-remove"
                data-testid="paycard-remove"
                aria-label={`Remove ${title}`}
                aria-haspopup="dialog"
                disabled={busy === c.paycardId}
                onClick={() => onRemove(c)}
              >
                Remove
              </button>
            </span>
          </li>
        );
      })}
    </ul>
  );
}

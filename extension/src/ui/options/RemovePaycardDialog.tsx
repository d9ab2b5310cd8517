/**
 * "Remove this Paycard?" as a modal dialog (the native <dialog> with showModal: focus moves into it
 * and stays there, Esc cancels, the page behind is inert). Focus starts on Cancel, never on Remove.
 */
import { useEffect, useRef } from "react";
import type { PaycardView } from "../../shared/messages";
import { ErrorMessage } from "../shared/mount";
import { cardTitle } from "./PaycardList";

/** What happens to the active card if `card` goes, in words. */
export function afterRemoval(card: PaycardView, cards: PaycardView[]): string {
  if (!card.active) return "Your active Paycard stays as it is.";
  const next = cards
    .filter((c) => c.paycardId !== card.paycardId)
    // The Wallet makes the oldest remaining card active; the list is in the order cards were added.
    .at(0);
  return next
    ? `This is your active Paycard: ${cardTitle(next)} will pay from now on.`
    : "This is your only Paycard: you cannot pay at QuickPay shops until you add another.";
}

export function RemovePaycardDialog({
  card,
  cards,
  busy,
  error,
  onCancel,
  onConfirm,
}: {
  card: PaycardView;
  cards: PaycardView[];
  busy: boolean;
  error: unknown;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    cancel.current?.focus();
    return () => d?.close();
  }, []);

  const title = cardTitle(card);
  return (
    <dialog
      ref={dialog}
      className="pc-dialog"
      data-testid="remove-dialog"
      aria-labelledby="remove-title"
      aria-describedby="remove-text"
      // Esc (and the browser's own close) cancels; the dialog only closes through React.
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onCancel();
      }}
    >
      <h2 id="remove-title" className="pc-dialog-title">
        Remove {title}?
      </h2>
      <div id="remove-text" className="pc-dialog-text">
        <p>{afterRemoval(card, cards)}</p>
        <p>
          {card.name} will be told to stop accepting this Paycard from this Wallet. Your purchase history and
          receipts stay. To use this account again, add it again.
        </p>
      </div>
      {error ? <ErrorMessage error={error} testid="remove-error" /> : null}
      <div className="actions">
        <button
          ref={cancel}
          type="button"
          className="button button--ghost"
          data-testid="remove-cancel"
          disabled={busy}
          onClick={onCancel}
        >
          Cancel
        </button>
        <button
          type="button"
          className="button button--danger"
          data-testid="remove-confirm"
          disabled={busy}
          aria-busy={busy}
          onClick={onConfirm}
        >
          {busy ? "Removing…" : "Remove Paycard"}
        </button>
      </div>
    </dialog>
  );
}

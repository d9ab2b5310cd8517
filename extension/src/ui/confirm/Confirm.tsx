/**
 * Confirm Order: the standard confirmation window the service worker opens for one purchase. Shows
 * who asks (vendor name and origin), what (description, amount) and which Paycard pays. Closing the
 * window is declining.
 */
import { displayMoney } from "@quickpay/protocol";
import { useEffect, useState } from "react";
import { callWallet } from "../../shared/client";
import type { ConfirmationView } from "../../shared/messages";
import { errorText } from "../shared/mount";

export function Confirm({ id }: { id: string }) {
  const [view, setView] = useState<ConfirmationView>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    callWallet("confirm.get", { id }).then(setView, (e) => setError(errorText(e)));
  }, [id]);

  const decide = async (approve: boolean) => {
    setBusy(true);
    try {
      await callWallet("confirm.decide", { id, approve });
      window.close();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };

  if (error) {
    return (
      <main className="confirm">
        <p className="error" data-testid="confirm-error">
          {error}
        </p>
      </main>
    );
  }
  if (!view) return <main className="confirm">Loading…</main>;
  const answered = view.state !== "pending";
  return (
    <main className="confirm">
      <h1>Confirm payment</h1>
      <dl>
        <dt>Vendor</dt>
        <dd>
          <strong data-testid="confirm-vendor-name">{view.vendorName}</strong>
          <br />
          <code data-testid="confirm-vendor-origin">{view.origin}</code>
        </dd>
        <dt>For</dt>
        <dd data-testid="confirm-description">{view.description}</dd>
        <dt>Amount</dt>
        <dd className="amount" data-testid="confirm-amount">
          {displayMoney(view.amount)}
        </dd>
        <dt>Pay with</dt>
        <dd data-testid="confirm-paycard">
          {view.paycard.name}
          {view.paycard.accountLabel ? ` · ${view.paycard.accountLabel}` : ""}
        </dd>
      </dl>
      {answered ? <p data-testid="confirm-state">Already answered ({view.state}).</p> : null}
      <div className="actions">
        <button
          type="button"
          data-testid="decline"
          disabled={busy || answered}
          onClick={() => void decide(false)}
        >
          Decline
        </button>
        <button
          type="button"
          className="primary"
          data-testid="approve"
          disabled={busy || answered}
          onClick={() => void decide(true)}
        >
          Approve
        </button>
      </div>
    </main>
  );
}

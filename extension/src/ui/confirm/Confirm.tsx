/**
 * Confirm Order: the standard confirmation window the service worker opens for one purchase. Loads
 * the purchase, sends the person's answer (pay, decline, or open the copy they already bought) and
 * closes itself. Closing the window unanswered is declining; so is Esc.
 */
import { displayMoney } from "@quickpay/protocol";
import { useCallback, useEffect, useState } from "react";
import { callWallet } from "../../shared/client";
import type { ConfirmationView } from "../../shared/messages";
import { Brand } from "../shared/Brand";
import { ErrorMessage } from "../shared/mount";
import { type ConfirmAction, ConfirmView } from "./ConfirmView";

export function Confirm({ id }: { id: string }) {
  const [view, setView] = useState<ConfirmationView>();
  const [loadError, setLoadError] = useState<unknown>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<ConfirmAction>();
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    callWallet("confirm.get", { id }).then(setView, setLoadError);
  }, [id]);

  useEffect(() => {
    if (view) document.title = `Pay ${displayMoney(view.amount)} to ${view.vendorName} — QuickPay`;
  }, [view]);

  // Tick until the order expires, so the window says so instead of offering to pay it.
  const expiresAt = view ? Date.parse(view.expiresAt) : Number.NaN;
  useEffect(() => {
    if (Number.isNaN(expiresAt) || now >= expiresAt) return;
    const timer = setTimeout(() => setNow(Date.now()), Math.min(expiresAt - now + 50, 60_000));
    return () => clearTimeout(timer);
  }, [expiresAt, now]);

  const answer = useCallback(
    async (action: ConfirmAction) => {
      setBusy(action);
      setError(undefined);
      try {
        if (action === "receipt") await callWallet("confirm.useReceipt", { id });
        else await callWallet("confirm.decide", { id, approve: action === "approve" });
        window.close();
      } catch (e) {
        setError(e);
        setBusy(undefined);
        // The purchase may have been answered meanwhile (another window, a restart): show where it stands.
        callWallet("confirm.get", { id }).then(setView, () => undefined);
      }
    },
    [id],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || busy || !view || view.status !== "confirming") return;
      event.preventDefault();
      void answer("decline");
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [answer, busy, view]);

  if (loadError) {
    return (
      <main className="confirm-main">
        <header className="topbar">
          <Brand title="QuickPay" />
        </header>
        <h1>Payment request</h1>
        <ErrorMessage error={loadError} testid="confirm-error" />
        <div className="actions">
          <button type="button" className="button" onClick={() => window.close()}>
            Close
          </button>
        </div>
      </main>
    );
  }
  if (!view) {
    return (
      <main className="confirm-main" aria-busy="true">
        <header className="topbar">
          <Brand title="QuickPay" />
        </header>
        <p className="muted">Loading the payment request…</p>
      </main>
    );
  }
  return (
    <ConfirmView
      view={view}
      busy={busy}
      error={error}
      expired={!Number.isNaN(expiresAt) && now >= expiresAt}
      onAnswer={(action) => void answer(action)}
      onClose={() => window.close()}
    />
  );
}

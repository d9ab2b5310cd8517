/**
 * The options page's Paycards section: loads the cards (at once from the Wallet, then each broker's
 * balance and status), switches the active one, removes one after a confirmation dialog and says
 * what happened, and adds a bundled Paycard (asking whether the new one should pay).
 */
import { useCallback, useEffect, useState } from "react";
import { callWallet } from "../../shared/client";
import type { ModuleView, PaycardOverview, PaycardView } from "../../shared/messages";
import { ErrorMessage } from "../shared/mount";
import { Notice } from "../shared/Notice";
import { AddPaycard } from "./AddPaycard";
import { cardTitle, type ListedPaycard, PaycardList, removalNotice } from "./PaycardList";
import { RemovePaycardDialog } from "./RemovePaycardDialog";

export function PaycardsSection({ onChanged }: { onChanged?: () => void }) {
  const [cards, setCards] = useState<PaycardView[]>();
  const [overview, setOverview] = useState<Record<string, PaycardOverview>>({});
  const [modules, setModules] = useState<ModuleView[]>([]);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<string>();
  const [removing, setRemoving] = useState<PaycardView>();
  const [removeError, setRemoveError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();

  const load = useCallback(async () => {
    try {
      const list = await callWallet("paycards.list", {});
      setCards(list.paycards);
      setModules(list.modules);
      setError(undefined);
    } catch (e) {
      setError(e);
      return;
    }
    // Each broker is asked for its card's balance; slower than the list, so it fills in after.
    try {
      const { paycards } = await callWallet("paycards.overview", {});
      setOverview(Object.fromEntries(paycards.map((c) => [c.paycardId, c])));
    } catch {
      // Cards stay listed without balances; each one's own status says so on the next load.
    }
  }, []);

  useEffect(() => {
    void load();
    const onFocus = () => void load();
    window.addEventListener("focus", onFocus);
    return () => window.removeEventListener("focus", onFocus);
  }, [load]);

  const activate = async (card: ListedPaycard) => {
    setBusy(card.paycardId);
    setNotice(undefined);
    try {
      await callWallet("paycards.setActive", { paycardId: card.paycardId });
      setNotice(`${cardTitle(card)} is now your active Paycard.`);
      await load();
      onChanged?.();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };

  const remove = async () => {
    if (!removing) return;
    setBusy(removing.paycardId);
    setRemoveError(undefined);
    try {
      const r = await callWallet("paycards.remove", { paycardId: removing.paycardId });
      setRemoving(undefined);
      setNotice(removalNotice(r));
      await load();
      // The button that opened the dialog is gone with its card: continue from the section.
      document.getElementById("paycards-heading")?.focus();
      onChanged?.();
    } catch (e) {
      setRemoveError(e);
    } finally {
      setBusy(undefined);
    }
  };

  const listed: ListedPaycard[] | undefined = cards?.map((c) => ({ ...overview[c.paycardId], ...c }));
  const active = cards?.find((c) => c.active);
  return (
    <section id="paycards" className="panel" aria-labelledby="paycards-heading">
      <h2 id="paycards-heading" tabIndex={-1}>
        Your Paycards
      </h2>
      <p className="section-lede">The active Paycard pays. Switch whenever you like.</p>
      {error ? (
        <ErrorMessage error={error} testid="options-error">
          <button type="button" className="button button--small" onClick={() => void load()}>
            Try again
          </button>
        </ErrorMessage>
      ) : null}
      <Notice tone="ok" testid="paycard-notice" className="pc-notice">
        {notice}
      </Notice>
      {listed === undefined ? (
        <p className="muted">Loading…</p>
      ) : listed.length === 0 ? (
        <div className="empty">
          <p className="empty-title">No Paycards yet</p>
          <p className="empty-text">
            Add one below: your bank asks a few questions to link it to your account.
          </p>
        </div>
      ) : (
        <PaycardList
          cards={listed}
          busy={busy}
          onActivate={(c) => void activate(c)}
          onRemove={(c) => {
            setRemoveError(undefined);
            setRemoving(c);
          }}
        />
      )}
      {removing && cards ? (
        <RemovePaycardDialog
          card={removing}
          cards={cards}
          busy={busy === removing.paycardId}
          error={removeError}
          onCancel={() => {
            const id = removing.paycardId;
            setRemoving(undefined);
            // Back to the button that opened the dialog, for the keyboard.
            requestAnimationFrame(() =>
              document
                .querySelector<HTMLElement>(`[data-paycard-id="${id}"] [data-testid="paycard-remove"]`)
                ?.focus(),
            );
          }}
          onConfirm={() => void remove()}
        />
      ) : null}
      <h3 className="subhead">Add a Paycard</h3>
      <div className="modules">
        {modules.map((m) => (
          <AddPaycard
            key={m.moduleId}
            module={m}
            current={active}
            onAdded={() => {
              setNotice(undefined);
              void load();
              onChanged?.();
            }}
          />
        ))}
      </div>
    </section>
  );
}

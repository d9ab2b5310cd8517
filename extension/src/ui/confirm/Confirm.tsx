/**
 * Confirm Order: the one confirmation window. Follows the Wallet's queue of payment requests
 * (`confirm.queue`, a long poll) and shows them one after another, in order; loads each request and
 * its Paycards' balances, sends the shopper's answer (pay with the chosen card, decline, decline all,
 * or open the copy already bought) and then asks the Wallet what comes next (`confirm.next`): the next
 * request, or nothing — then the Wallet has closed the window. Closing the window declines every
 * request in it; Esc declines the one shown.
 */
import { useCallback, useEffect, useState } from "react";
import { callWallet } from "../../shared/client";
import type { ConfirmationView, LockStatusView, PaycardOverview } from "../../shared/messages";
import { Brand } from "../shared/Brand";
import { formatAmount } from "../shared/format";
import { ErrorMessage } from "../shared/mount";
import { UnlockForm } from "../shared/Unlock";
import { type AllowanceChoice, allowanceChoices } from "./AllowanceOffer";
import { type ConfirmAction, ConfirmView } from "./ConfirmView";

/** Follows the queue for as long as the window is open; ids in the order they are shown. */
function useQueue(): string[] | undefined {
  const [ids, setIds] = useState<string[]>();
  useEffect(() => {
    let stopped = false;
    let version: string | undefined;
    void (async () => {
      while (!stopped) {
        try {
          const q = await callWallet("confirm.queue", version === undefined ? {} : { after: version });
          version = q.version;
          if (!stopped) setIds(q.ids);
        } catch {
          // The worker restarting: ask again shortly (it finds this window on its start).
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    })();
    return () => {
      stopped = true;
    };
  }, []);
  return ids;
}

export function Confirm({ id: firstId }: { id: string }) {
  const queue = useQueue();
  const [currentId, setCurrentId] = useState<string | undefined>(firstId || undefined);
  const [view, setView] = useState<ConfirmationView>();
  const [loadError, setLoadError] = useState<unknown>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<ConfirmAction>();
  const [now, setNow] = useState(() => Date.now());
  const [overview, setOverview] = useState<Map<string, PaycardOverview>>();
  const [overviewFailed, setOverviewFailed] = useState(false);
  const [selected, setSelected] = useState("");
  const [makeActive, setMakeActive] = useState(false);
  const [allowance, setAllowance] = useState<AllowanceChoice>({ on: false, limit: "0.10", period: "day" });
  /** Requests answered in this window, so the count reads "2 of 3" after the first, not "1 of 2". */
  const [answered, setAnswered] = useState<string[]>([]);

  // A Wallet with a password that is locked asks to unlock first (lock.ts), before the payment.
  const [lock, setLock] = useState<LockStatusView>();
  const [lockError, setLockError] = useState<unknown>();
  useEffect(() => {
    callWallet("lock.status", {}).then(setLock, setLockError);
  }, []);
  const open = lock !== undefined && !lock.locked;

  // Opened without an id (or its request already gone): show the queue's head.
  useEffect(() => {
    if (currentId === undefined && queue?.[0]) setCurrentId(queue[0]);
  }, [currentId, queue]);

  // Each request: its view, then every Paycard's balance (the brokers are asked in parallel).
  useEffect(() => {
    if (currentId === undefined) return;
    let current = true;
    setView(undefined);
    setLoadError(undefined);
    setError(undefined);
    setMakeActive(false);
    callWallet("confirm.get", { id: currentId }).then(
      (v) => {
        if (!current) return;
        setView(v);
        setSelected(v.paycardId);
        setAllowance({ on: false, limit: allowanceChoices(v.amount).preset, period: "day" });
      },
      (e: unknown) => current && setLoadError(e),
    );
    return () => {
      current = false;
    };
  }, [currentId]);

  const refreshBalances = useCallback(() => {
    setOverviewFailed(false);
    callWallet("paycards.overview", {}).then(
      (o) => setOverview(new Map(o.paycards.map((c) => [c.paycardId, c]))),
      () => setOverviewFailed(true),
    );
  }, []);
  // Asked again for each request: the one before may have spent from the same card.
  useEffect(() => {
    if (currentId !== undefined && open) refreshBalances();
  }, [currentId, refreshBalances, open]);

  useEffect(() => {
    if (view) {
      const more = queue && queue.length > 1 ? ` (${queue.length} requests)` : "";
      document.title = `Pay ${formatAmount(view.amount)} to ${view.vendorName}${more} — QuickPay`;
    }
  }, [view, queue]);

  // Tick until the order expires, so the window says so instead of offering to pay it.
  const expiresAt = view ? Date.parse(view.expiresAt) : Number.NaN;
  useEffect(() => {
    if (Number.isNaN(expiresAt) || now >= expiresAt) return;
    const timer = setTimeout(() => setNow(Date.now()), Math.min(expiresAt - now + 50, 60_000));
    return () => clearTimeout(timer);
  }, [expiresAt, now]);

  /** After an answer: the next request, or the Wallet closed the window (closing here is a fallback). */
  const showNext = useCallback(async () => {
    const { next } = await callWallet("confirm.next", {});
    if (next === null) {
      window.close();
      return;
    }
    setBusy(undefined);
    setCurrentId(next);
  }, []);

  const answer = useCallback(
    async (action: ConfirmAction) => {
      if (currentId === undefined) return;
      setBusy(action);
      setError(undefined);
      try {
        if (action === "receipt") await callWallet("confirm.useReceipt", { id: currentId });
        else if (action === "decline") await callWallet("confirm.decide", { id: currentId, approve: false });
        else {
          await callWallet("confirm.decide", {
            id: currentId,
            approve: true,
            ...(selected ? { paycardId: selected } : {}),
            ...(makeActive ? { makeActive: true } : {}),
            ...(allowance.on && view?.allowance?.offer && !view.allowance.current && allowance.limit
              ? {
                  allowance: {
                    limit: { currency: view.amount.currency, value: allowance.limit },
                    period: allowance.period,
                  },
                }
              : {}),
          });
        }
        setAnswered((list) => [...list, currentId]);
        await showNext();
      } catch (e) {
        setError(e);
        setBusy(undefined);
        // The purchase may have been answered meanwhile (a restart): show where it stands.
        callWallet("confirm.get", { id: currentId }).then(setView, () => undefined);
      }
    },
    [currentId, selected, makeActive, allowance, view, showNext],
  );

  const declineAll = useCallback(async () => {
    setBusy("decline");
    try {
      await callWallet("confirm.declineAll", {});
      await showNext();
    } catch (e) {
      setError(e);
      setBusy(undefined);
    }
  }, [showNext]);

  const close = useCallback(() => {
    void showNext().catch(() => window.close());
  }, [showNext]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || busy || !view || view.status !== "confirming") return;
      event.preventDefault();
      void answer("decline");
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [answer, busy, view]);

  if (lock?.locked) {
    const asking =
      queue && queue.length > 1 ? `${queue.length} payment requests are` : "A payment request is";
    return (
      <main className="confirm-main">
        <header className="topbar">
          <Brand title="QuickPay" />
        </header>
        <UnlockForm
          lede={`${asking} waiting. Unlock your Wallet with your password to see it and decide.`}
          onUnlocked={setLock}
          secondary={
            <button
              type="button"
              className="button"
              data-testid="unlock-decline"
              onClick={() => void declineAll()}
            >
              {queue && queue.length > 1 ? "Decline all" : "Decline"}
            </button>
          }
        />
      </main>
    );
  }
  if (lockError || loadError) {
    return (
      <main className="confirm-main">
        <header className="topbar">
          <Brand title="QuickPay" />
        </header>
        <h1>Payment request</h1>
        <ErrorMessage error={loadError ?? lockError} testid="confirm-error" />
        <div className="actions">
          <button type="button" className="button" onClick={close}>
            Close
          </button>
        </div>
      </main>
    );
  }
  if (!view || view.id !== currentId || !open) {
    return (
      <main className="confirm-main" aria-busy="true">
        <header className="topbar">
          <Brand title="QuickPay" />
        </header>
        <p className="muted">Loading the payment request…</p>
      </main>
    );
  }
  const waiting = queue ?? [];
  const done = answered.filter((id) => !waiting.includes(id) && id !== view.id);
  // The request shown is in the queue, or (answered elsewhere, expired) shown before what waits.
  const index = waiting.indexOf(view.id);
  const position = done.length + Math.max(index, 0) + 1;
  const total = done.length + waiting.length + (index >= 0 ? 0 : 1);
  return (
    <ConfirmView
      view={view}
      busy={busy}
      error={error}
      expired={!Number.isNaN(expiresAt) && now >= expiresAt}
      onAnswer={(action) => void answer(action)}
      onClose={close}
      queue={{ position, total, waiting: waiting.length }}
      onDeclineAll={() => void declineAll()}
      card={{
        overview,
        overviewFailed,
        selected,
        makeActive,
        onSelect: (paycardId) => {
          setSelected(paycardId);
          setMakeActive(false);
        },
        onMakeActive: setMakeActive,
      }}
      allowance={{ choice: allowance, onChange: setAllowance }}
    />
  );
}

/**
 * The options page's Allowances: each shop allowed to take small payments without asking, what it
 * may spend per period and what is left of it, with an edit (limit, period) and Revoke. Allowances are
 * made from the confirmation window only ("Don't ask again on this shop"), so a page never makes one.
 */
import { useCallback, useEffect, useState } from "react";
import { callWallet } from "../../shared/client";
import type { AllowancePeriod, AllowanceView } from "../../shared/messages";
import { allowanceLeftWords, PERIOD_WORDS } from "../confirm/AllowanceOffer";
import { formatAmount, formatDateTime } from "../shared/format";
import { ErrorMessage } from "../shared/mount";
import { Notice } from "../shared/Notice";
import "./allowances.css";

const LIMIT_PATTERN = /^(0|[1-9]\d{0,3})(\.\d{1,6})?$/;

function AllowanceRow({ a, onChanged }: { a: AllowanceView; onChanged: (notice: string) => Promise<void> }) {
  const [editing, setEditing] = useState(false);
  const [limit, setLimit] = useState(a.limit.value);
  const [period, setPeriod] = useState<AllowancePeriod>(a.period);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const id = a.key.replace(/[^A-Za-z0-9]/g, "-");
  const valid = LIMIT_PATTERN.test(limit.trim());

  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const saved = await callWallet("allowances.update", {
        key: a.key,
        limit: { currency: a.limit.currency, value: limit.trim() },
        period,
      });
      setEditing(false);
      await onChanged(
        `${a.vendorName} may now spend up to ${formatAmount(saved.limit)} per ${PERIOD_WORDS[saved.period]}.`,
      );
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const revoke = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await callWallet("allowances.revoke", { key: a.key });
      await onChanged(`Allowance for ${a.vendorName} removed: QuickPay will ask you every time.`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  return (
    <li
      className="allowance-row"
      data-testid="allowance-item"
      data-origin={a.origin}
      aria-labelledby={`${id}-name`}
    >
      <div className="allowance-main">
        <span className="allowance-shop">
          <strong id={`${id}-name`}>{a.vendorName}</strong>
          <code className="muted small">{a.origin}</code>
        </span>
        <span className="allowance-amount" data-testid="allowance-limit">
          {formatAmount(a.limit)} / {PERIOD_WORDS[a.period]}
        </span>
      </div>
      <p className="allowance-left muted small" data-testid="allowance-left">
        {allowanceLeftWords(a)} · renews <time dateTime={a.renewsAt}>{formatDateTime(a.renewsAt)}</time>
      </p>
      {editing ? (
        <form
          className="allowance-edit"
          aria-label={`Change the allowance for ${a.vendorName}`}
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) void save();
          }}
        >
          <label htmlFor={`${id}-limit`}>Up to ({a.limit.currency})</label>
          <input
            id={`${id}-limit`}
            data-testid="allowance-edit-limit"
            inputMode="decimal"
            value={limit}
            aria-invalid={!valid}
            aria-describedby={valid ? undefined : `${id}-invalid`}
            onChange={(e) => setLimit(e.currentTarget.value)}
          />
          <label htmlFor={`${id}-period`}>per</label>
          <select
            id={`${id}-period`}
            data-testid="allowance-edit-period"
            value={period}
            onChange={(e) => setPeriod(e.currentTarget.value as AllowancePeriod)}
          >
            {(Object.keys(PERIOD_WORDS) as AllowancePeriod[]).map((p) => (
              <option key={p} value={p}>
                {PERIOD_WORDS[p]}
              </option>
            ))}
          </select>
          <button
            type="submit"
            className="button button--small button--primary"
            data-testid="allowance-save"
            disabled={busy || !valid}
          >
            Save
          </button>
          <button
            type="button"
            className="button button--small button--ghost"
            onClick={() => setEditing(false)}
          >
            Cancel
          </button>
          {valid ? null : (
            <p id={`${id}-invalid`} className="small notice-text">
              Enter an amount such as 0.10.
            </p>
          )}
        </form>
      ) : (
        <div className="actions">
          <button
            type="button"
            className="button button--small"
            data-testid="allowance-edit"
            disabled={busy}
            onClick={() => setEditing(true)}
          >
            Change<span className="visually-hidden"> the allowance for {a.vendorName}</span>
          </button>
          <button
            type="button"
            className="button button--small button--ghost"
            data-testid="allowance-revoke"
            disabled={busy}
            onClick={() => void revoke()}
          >
            Revoke<span className="visually-hidden"> the allowance for {a.vendorName}</span>
          </button>
        </div>
      )}
      {error ? <ErrorMessage error={error} testid="allowance-error" /> : null}
    </li>
  );
}

export function AllowancesSection() {
  const [allowances, setAllowances] = useState<AllowanceView[]>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();

  const load = useCallback(async () => {
    try {
      setAllowances((await callWallet("allowances.list", {})).allowances);
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load();
    const onFocus = () => void load();
    window.addEventListener("focus", onFocus);
    return () => window.removeEventListener("focus", onFocus);
  }, [load]);

  return (
    <section
      id="allowances"
      className="panel"
      aria-labelledby="allowances-heading"
      data-testid="allowances-section"
    >
      <h2 id="allowances-heading">Allowances</h2>
      <p className="section-lede">
        Shops you let take small payments without asking, up to a limit per day, week or month (your calendar,
        in your time zone). Paid from your active Paycard; every payment is in your history.
      </p>
      <Notice tone="ok" testid="allowance-notice">
        {notice}
      </Notice>
      {error ? (
        <ErrorMessage error={error} testid="allowances-error">
          <button type="button" className="button button--small" onClick={() => void load()}>
            Try again
          </button>
        </ErrorMessage>
      ) : null}
      {allowances === undefined ? (
        <p className="muted">Loading…</p>
      ) : allowances.length === 0 ? (
        <div className="empty" data-testid="allowances-empty">
          <p className="empty-title">No allowances</p>
          <p className="empty-text">
            When you pay a shop, tick “Don't ask again on this shop” under Pay to let it take small payments
            without the window.
          </p>
        </div>
      ) : (
        <ul className="allowance-list" aria-label="Allowances">
          {allowances.map((a) => (
            <AllowanceRow
              key={a.key}
              a={a}
              onChanged={async (words) => {
                setNotice(words);
                await load();
              }}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

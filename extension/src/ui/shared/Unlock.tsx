/**
 * The unlock step: a locked Wallet asks for its password in its own window (the confirmation window
 * shows this before the payment). A wrong password is said in words and the field is cleared and
 * focused again; nothing about the payment, the Paycards or their balances shows until it opens.
 */
import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";
import { callWallet } from "../../shared/client";
import type { LockStatusView } from "../../shared/messages";
import { ErrorMessage } from "./mount";

export function UnlockForm({
  lede,
  onUnlocked,
  unlock = (password) => callWallet("lock.unlock", { password }),
  secondary,
}: {
  /** Another way out beside Unlock (the confirmation window's Decline). */
  secondary?: ReactNode;
  /** What waits behind the lock, in words ("A shop asks you to pay."). */
  lede: string;
  onUnlocked: (status: LockStatusView) => void;
  unlock?: (password: string) => Promise<LockStatusView>;
}) {
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const field = useRef<HTMLInputElement>(null);
  const id = useId();

  useEffect(() => {
    if (!busy) field.current?.focus();
  }, [busy]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!password) return;
    setBusy(true);
    setError(undefined);
    try {
      onUnlocked(await unlock(password));
    } catch (e) {
      setError(e);
      setPassword("");
      setBusy(false);
    }
  };

  return (
    <section className="unlock" aria-labelledby={`${id}-title`} data-testid="unlock">
      <div className="unlock-mark" aria-hidden="true">
        <svg
          viewBox="0 0 24 24"
          width="28"
          height="28"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          aria-hidden="true"
        >
          <rect x="5" y="11" width="14" height="10" rx="2" />
          <path d="M8 11V8a4 4 0 0 1 8 0v3" />
        </svg>
      </div>
      <h1 id={`${id}-title`}>Your Wallet is locked</h1>
      <p className="muted">{lede}</p>
      <form onSubmit={(e) => void submit(e)} className="questions">
        <fieldset disabled={busy}>
          <div className="field">
            <label htmlFor={`${id}-password`}>Password</label>
            <input
              ref={field}
              id={`${id}-password`}
              type="password"
              autoComplete="current-password"
              data-testid="unlock-password"
              value={password}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-error` : undefined}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
        </fieldset>
        {error ? (
          <div id={`${id}-error`}>
            <ErrorMessage error={error} testid="unlock-error" />
          </div>
        ) : null}
        <div className={secondary ? "actions actions--split" : "actions actions--start"}>
          {secondary}
          <button
            type="submit"
            className="button button--primary"
            data-testid="unlock-submit"
            disabled={busy || password === ""}
            aria-busy={busy}
          >
            {busy ? "Unlocking…" : "Unlock"}
          </button>
        </div>
      </form>
    </section>
  );
}

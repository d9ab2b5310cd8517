/**
 * The options page's Security: an optional password that locks the Wallet. Setting one encrypts the
 * wallet key and the Paycards' credentials on this computer (lock.ts); the Wallet then locks by
 * itself after the chosen idle time and asks for the password before it pays. Changing or removing
 * it needs the current password. Forgetting it cannot be undone here: the lede says so.
 */
import { type FormEvent, useCallback, useEffect, useId, useState } from "react";
import { callWallet } from "../../shared/client";
import type { LockStatusView } from "../../shared/messages";
import { ErrorMessage } from "../shared/mount";
import { Notice } from "../shared/Notice";
import { UnlockForm } from "../shared/Unlock";

/** The idle times offered (lock.ts AUTO_LOCK_CHOICES), in words. */
const AUTO_LOCK_CHOICES: { minutes: number; label: string }[] = [
  { minutes: 1, label: "1 minute" },
  { minutes: 5, label: "5 minutes" },
  { minutes: 15, label: "15 minutes" },
  { minutes: 30, label: "30 minutes" },
  { minutes: 60, label: "1 hour" },
  { minutes: 240, label: "4 hours" },
];
const MIN_LENGTH = 8;

type Mode = "idle" | "change" | "remove";

function PasswordField({
  id,
  label,
  value,
  onChange,
  testid,
  autoComplete,
  hint,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  testid: string;
  autoComplete: "new-password" | "current-password";
  hint?: string;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="password"
        autoComplete={autoComplete}
        data-testid={testid}
        value={value}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {hint ? (
        <small id={`${id}-hint`} className="field-hint">
          {hint}
        </small>
      ) : null}
    </div>
  );
}

/** What is wrong with a new password before it is sent, in words; undefined when it is fine. */
export function newPasswordProblem(password: string, repeat: string): string | undefined {
  if (password.length < MIN_LENGTH) return `Choose a password of at least ${MIN_LENGTH} characters.`;
  if (password !== repeat) return "The two passwords are not the same. Type the same password twice.";
  return undefined;
}

export function SecuritySection() {
  const [status, setStatus] = useState<LockStatusView>();
  const [error, setError] = useState<unknown>();
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [mode, setMode] = useState<Mode>("idle");
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [minutes, setMinutes] = useState(15);
  const id = useId();

  const load = useCallback(async () => {
    try {
      const s = await callWallet("lock.status", {});
      setStatus(s);
      setMinutes(s.autoLockMinutes);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const reset = (s: LockStatusView, message: string) => {
    setStatus(s);
    setMinutes(s.autoLockMinutes);
    setCurrent("");
    setNext("");
    setRepeat("");
    setMode("idle");
    setDone(message);
  };

  /** Opens a password form with the last outcome cleared. */
  const openForm = (next: Mode) => {
    setDone(undefined);
    setError(undefined);
    setMode(next);
  };

  const run = async (action: () => Promise<LockStatusView>, message: string) => {
    setBusy(true);
    setError(undefined);
    setProblem(undefined);
    setDone(undefined);
    try {
      reset(await action(), message);
    } catch (e) {
      setError(e);
      setCurrent("");
    } finally {
      setBusy(false);
    }
  };

  const submitNew = (event: FormEvent) => {
    event.preventDefault();
    const why = newPasswordProblem(next, repeat);
    if (why) {
      setProblem(why);
      return;
    }
    if (status?.enabled) {
      void run(() => callWallet("lock.changePassword", { current, next }), "Your password is changed.");
    } else {
      void run(
        () => callWallet("lock.setPassword", { password: next, autoLockMinutes: minutes }),
        "Your Wallet now has a password. Your key and Paycards are stored encrypted on this computer.",
      );
    }
  };

  const submitRemove = (event: FormEvent) => {
    event.preventDefault();
    void run(
      () => callWallet("lock.removePassword", { current }),
      "The password is removed. Your Wallet no longer locks.",
    );
  };

  const notices = (
    <>
      <Notice tone="error" testid="security-problem">
        {problem}
      </Notice>
      {error ? <ErrorMessage error={error} testid="security-error" /> : null}
    </>
  );

  return (
    <section
      id="security"
      className="panel"
      aria-labelledby="security-heading"
      aria-busy={status === undefined}
      data-testid="security"
      data-lock={status ? (status.enabled ? (status.locked ? "locked" : "unlocked") : "none") : undefined}
    >
      <div className="section-head">
        <h2 id="security-heading">Security</h2>
        {status?.enabled ? (
          <span className={status.locked ? "pill pill--warn" : "pill pill--ok"}>
            {status.locked ? "Locked" : "Password on"}
          </span>
        ) : null}
      </div>
      <p className="section-lede">
        {status?.enabled
          ? "Your wallet key and Paycards are stored encrypted under your password. Your Wallet locks by itself when you have not used it for a while, and asks for the password before it pays."
          : "Add a password so that nobody using this computer can pay with your Wallet. Your wallet key and Paycards are then stored encrypted, and the Wallet asks for the password after it has been idle."}
      </p>
      <Notice tone="ok" testid="security-done">
        {done}
      </Notice>

      {status === undefined ? (
        error ? (
          notices
        ) : (
          <p className="muted">Loading…</p>
        )
      ) : status.locked ? (
        <UnlockForm
          lede="Unlock your Wallet to change its security settings."
          onUnlocked={(s) => reset(s, "Your Wallet is unlocked.")}
        />
      ) : !status.enabled || mode === "change" ? (
        <form
          onSubmit={submitNew}
          className="questions"
          aria-label={status.enabled ? "Change password" : "Set a password"}
        >
          <fieldset disabled={busy}>
            {status.enabled ? (
              <PasswordField
                id={`${id}-current`}
                label="Current password"
                value={current}
                onChange={setCurrent}
                testid="security-current"
                autoComplete="current-password"
              />
            ) : null}
            <PasswordField
              id={`${id}-new`}
              label={status.enabled ? "New password" : "Password"}
              value={next}
              onChange={setNext}
              testid="security-new"
              autoComplete="new-password"
              hint={`At least ${MIN_LENGTH} characters. If you forget it, you can only remove your Wallet and restore a backup.`}
            />
            <PasswordField
              id={`${id}-repeat`}
              label="Type it again"
              value={repeat}
              onChange={setRepeat}
              testid="security-repeat"
              autoComplete="new-password"
            />
            {status.enabled ? null : (
              <div className="field">
                <label htmlFor={`${id}-minutes`}>Lock when not used for</label>
                <select
                  id={`${id}-minutes`}
                  data-testid="security-autolock-new"
                  value={minutes}
                  onChange={(e) => setMinutes(Number(e.target.value))}
                >
                  {AUTO_LOCK_CHOICES.map((c) => (
                    <option key={c.minutes} value={c.minutes}>
                      {c.label}
                    </option>
                  ))}
                </select>
              </div>
            )}
          </fieldset>
          {notices}
          <div className="actions actions--start">
            <button
              type="submit"
              className="button button--primary"
              data-testid="security-save"
              disabled={busy}
            >
              {status.enabled ? "Change password" : "Set password"}
            </button>
            {status.enabled ? (
              <button type="button" className="button button--ghost" onClick={() => setMode("idle")}>
                Cancel
              </button>
            ) : null}
          </div>
        </form>
      ) : mode === "remove" ? (
        <form onSubmit={submitRemove} className="questions" aria-label="Remove the password">
          <fieldset disabled={busy}>
            <PasswordField
              id={`${id}-remove`}
              label="Current password"
              value={current}
              onChange={setCurrent}
              testid="security-current"
              autoComplete="current-password"
              hint="Your key and Paycards will be stored without encryption again, and the Wallet will no longer lock."
            />
          </fieldset>
          {notices}
          <div className="actions actions--start">
            <button type="submit" className="button" data-testid="security-remove-confirm" disabled={busy}>
              Remove password
            </button>
            <button type="button" className="button button--ghost" onClick={() => setMode("idle")}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div className="questions">
          <div className="field">
            <label htmlFor={`${id}-autolock`}>Lock when not used for</label>
            <select
              id={`${id}-autolock`}
              data-testid="security-autolock"
              value={minutes}
              disabled={busy}
              onChange={(e) => {
                const m = Number(e.target.value);
                setMinutes(m);
                void run(() => callWallet("lock.setAutoLock", { minutes: m }), "Saved.");
              }}
            >
              {AUTO_LOCK_CHOICES.map((c) => (
                <option key={c.minutes} value={c.minutes}>
                  {c.label}
                </option>
              ))}
            </select>
          </div>
          {notices}
          <div className="actions actions--start">
            <button
              type="button"
              className="button button--primary"
              data-testid="security-lock-now"
              disabled={busy}
              onClick={() => void run(() => callWallet("lock.lock", {}), "Your Wallet is locked.")}
            >
              Lock now
            </button>
            <button
              type="button"
              className="button"
              data-testid="security-change"
              onClick={() => openForm("change")}
            >
              Change password
            </button>
            <button
              type="button"
              className="button button--ghost"
              data-testid="security-remove"
              onClick={() => openForm("remove")}
            >
              Remove password
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

/**
 * The options page's Backup: download the whole Wallet (key, Paycards, receipts, history, allowances)
 * as a file encrypted under a backup password, and restore such a file — into a new browser, or over
 * this Wallet after the shopper confirms that its Paycards and history are replaced (backup.ts).
 * After a restore the page reloads so every section shows the restored Wallet.
 */
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { callWallet } from "../../shared/client";
import { ErrorMessage, errorCode } from "../shared/mount";
import { Notice } from "../shared/Notice";

const MIN_LENGTH = 8;
const RESTORED_KEY = "quickpayRestored";

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function BackupSection() {
  const id = useId();
  const [exportPassword, setExportPassword] = useState("");
  const [exportRepeat, setExportRepeat] = useState("");
  const [exportProblem, setExportProblem] = useState<string>();
  const [exportError, setExportError] = useState<unknown>();
  const [exported, setExported] = useState<{
    url: string;
    fileName: string;
    paycards: number;
    purchases: number;
  }>();
  const [exporting, setExporting] = useState(false);
  const download = useRef<HTMLAnchorElement>(null);

  const [file, setFile] = useState<File>();
  const [restorePassword, setRestorePassword] = useState("");
  const [restoreError, setRestoreError] = useState<unknown>();
  const [restoreProblem, setRestoreProblem] = useState<string>();
  const [restoring, setRestoring] = useState(false);
  const [mustConfirm, setMustConfirm] = useState(false);
  const [restored, setRestored] = useState<string>();

  // Said after the reload that follows a restore.
  useEffect(() => {
    const said = sessionStorage.getItem(RESTORED_KEY);
    if (said) {
      sessionStorage.removeItem(RESTORED_KEY);
      setRestored(said);
    }
  }, []);

  useEffect(() => {
    if (exported) download.current?.click();
    return () => {
      if (exported) URL.revokeObjectURL(exported.url);
    };
  }, [exported]);

  const submitExport = async (event: FormEvent) => {
    event.preventDefault();
    setExportProblem(undefined);
    setExportError(undefined);
    if (exportPassword.length < MIN_LENGTH) {
      setExportProblem(`Choose a backup password of at least ${MIN_LENGTH} characters.`);
      return;
    }
    if (exportPassword !== exportRepeat) {
      setExportProblem("The two passwords are not the same. Type the same password twice.");
      return;
    }
    setExporting(true);
    try {
      const { fileName, text, summary } = await callWallet("backup.export", { password: exportPassword });
      const url = URL.createObjectURL(new Blob([text], { type: "application/octet-stream" }));
      setExported({ url, fileName, paycards: summary.paycards, purchases: summary.purchases });
      setExportPassword("");
      setExportRepeat("");
    } catch (e) {
      setExportError(e);
    } finally {
      setExporting(false);
    }
  };

  const submitRestore = async (event: FormEvent, replace = false) => {
    event.preventDefault();
    setRestoreProblem(undefined);
    setRestoreError(undefined);
    if (!file) {
      setRestoreProblem("Choose the backup file first.");
      return;
    }
    if (!restorePassword) {
      setRestoreProblem("Type the backup's password.");
      return;
    }
    setRestoring(true);
    try {
      const text = await file.text();
      const summary = await callWallet("backup.restore", {
        text,
        password: restorePassword,
        ...(replace ? { replace: true } : {}),
      });
      sessionStorage.setItem(
        RESTORED_KEY,
        `Your Wallet is restored: ${plural(summary.paycards, "Paycard", "Paycards")} and ${plural(summary.purchases, "purchase", "purchases")} in the history.`,
      );
      location.hash = "#backup";
      location.reload();
    } catch (e) {
      if (errorCode(e) === "conflict") setMustConfirm(true);
      else setRestoreError(e);
      setRestoring(false);
    }
  };

  return (
    <section id="backup" className="panel" aria-labelledby="backup-heading" data-testid="backup">
      <div className="section-head">
        <h2 id="backup-heading">Backup</h2>
      </div>
      <p className="section-lede">
        Save your whole Wallet — its key, your Paycards, receipts, history and allowances — in a file locked
        with a password of its own. Keep the file and the password apart; with both, you can restore this
        Wallet in a new browser.
      </p>
      <Notice tone="ok" testid="restore-done">
        {restored}
      </Notice>

      <form className="questions" aria-label="Download a backup" onSubmit={(e) => void submitExport(e)}>
        <h3 className="subhead">Download a backup</h3>
        <fieldset disabled={exporting}>
          <div className="field">
            <label htmlFor={`${id}-export`}>Backup password</label>
            <input
              id={`${id}-export`}
              type="password"
              autoComplete="new-password"
              data-testid="backup-password"
              value={exportPassword}
              aria-describedby={`${id}-export-hint`}
              onChange={(e) => setExportPassword(e.target.value)}
            />
            <small id={`${id}-export-hint`} className="field-hint">
              At least {MIN_LENGTH} characters. Without it, nobody can open the file — you neither.
            </small>
          </div>
          <div className="field">
            <label htmlFor={`${id}-export-repeat`}>Type it again</label>
            <input
              id={`${id}-export-repeat`}
              type="password"
              autoComplete="new-password"
              data-testid="backup-password-repeat"
              value={exportRepeat}
              onChange={(e) => setExportRepeat(e.target.value)}
            />
          </div>
        </fieldset>
        <Notice tone="error" testid="backup-problem">
          {exportProblem}
        </Notice>
        {exportError ? <ErrorMessage error={exportError} testid="backup-error" /> : null}
        <Notice tone="ok" testid="backup-done">
          {exported ? (
            <>
              Your backup ({plural(exported.paycards, "Paycard", "Paycards")},{" "}
              {plural(exported.purchases, "purchase", "purchases")}) is saved as{" "}
              <a
                ref={download}
                href={exported.url}
                download={exported.fileName}
                data-testid="backup-download"
              >
                {exported.fileName}
              </a>
              .
            </>
          ) : null}
        </Notice>
        <div className="actions actions--start">
          <button
            type="submit"
            className="button button--primary"
            data-testid="backup-export"
            disabled={exporting}
          >
            {exporting ? "Encrypting…" : "Download backup"}
          </button>
        </div>
      </form>

      <form className="questions" aria-label="Restore a backup" onSubmit={(e) => void submitRestore(e)}>
        <h3 className="subhead">Restore a backup</h3>
        <fieldset disabled={restoring}>
          <div className="field">
            <label htmlFor={`${id}-file`}>Backup file</label>
            <input
              id={`${id}-file`}
              type="file"
              accept=".qpbackup"
              data-testid="restore-file"
              onChange={(e) => {
                setFile(e.target.files?.[0]);
                setMustConfirm(false);
              }}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-restore`}>Backup password</label>
            <input
              id={`${id}-restore`}
              type="password"
              autoComplete="off"
              data-testid="restore-password"
              value={restorePassword}
              onChange={(e) => setRestorePassword(e.target.value)}
            />
          </div>
        </fieldset>
        <Notice tone="error" testid="restore-problem">
          {restoreProblem}
        </Notice>
        {restoreError ? <ErrorMessage error={restoreError} testid="restore-error" /> : null}
        <Notice
          tone="warn"
          testid="restore-confirm"
          action={
            <button
              type="button"
              className="button button--small"
              data-testid="restore-replace"
              disabled={restoring}
              onClick={(e) => void submitRestore(e, true)}
            >
              Replace this Wallet
            </button>
          }
        >
          {mustConfirm
            ? "This Wallet already has Paycards. Restoring replaces them, and this Wallet's history, with the backup's. Paycards only in this Wallet are gone afterwards."
            : null}
        </Notice>
        <div className="actions actions--start">
          <button type="submit" className="button" data-testid="restore-submit" disabled={restoring}>
            {restoring ? "Restoring…" : "Restore"}
          </button>
        </div>
      </form>
    </section>
  );
}

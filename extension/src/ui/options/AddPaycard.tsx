/**
 * Add Paycard in the Wallet's standard UI (DESIGN §4.1): the module's certificate is checked and the
 * broker asked (Confirm Paycard), the broker's questions are shown (Take Question), the answers sent
 * (Answer Response). A refusal — a wrong PIN, attempts left, a cool-down — is shown in words. When
 * the wallet already has a Paycard, the form also asks whether the new one should pay from now on
 * (no answer is picked for the shopper).
 */
import type { Question } from "@quickpay/protocol";
import { useEffect, useRef, useState } from "react";
import { callWallet } from "../../shared/client";
import type { AddPaycardStep, ModuleView, PaycardView } from "../../shared/messages";
import { ErrorMessage, errorCode } from "../shared/mount";
import { MakeActiveChoice } from "./MakeActiveChoice";

export function AddPaycard({
  module,
  current,
  onAdded,
}: {
  module: ModuleView;
  /** The wallet's active Paycard, if it has one: the new card replaces it only if the shopper says so. */
  current?: PaycardView | undefined;
  onAdded: (card: PaycardView) => void;
}) {
  const [step, setStep] = useState<AddPaycardStep>();
  const [makeActive, setMakeActive] = useState<boolean>();
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  /** What was added, and the card that stays active when it is not the new one. */
  const [added, setAdded] = useState<{ card: PaycardView; kept?: PaycardView | undefined }>();
  const form = useRef<HTMLFormElement>(null);
  const errorId = `add-${module.moduleId}-error`;

  // The questions replace the button: move focus to the first field so the keyboard follows; after a
  // refusal, to the (cleared) secret. Run once the fieldset is enabled again: a disabled field takes no focus.
  useEffect(() => {
    if (!step || busy) return;
    const fields = form.current;
    const target = error ? fields?.querySelector<HTMLElement>("input[type=password]") : null;
    (target ?? fields?.querySelector<HTMLElement>("input, select"))?.focus();
  }, [step, busy, error]);

  const begin = async () => {
    setBusy(true);
    setError(undefined);
    setAdded(undefined);
    try {
      const s = await callWallet("paycards.beginAdd", { moduleId: module.moduleId });
      setStep(s);
      setMakeActive(undefined);
      setAnswers(
        Object.fromEntries(s.questions.map((q) => [q.id, q.kind === "choice" ? (q.choices?.[0] ?? "") : ""])),
      );
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const submit = async () => {
    if (!step) return;
    setBusy(true);
    setError(undefined);
    try {
      const card = await callWallet("paycards.answer", {
        moduleId: step.moduleId,
        sessionId: step.sessionId,
        answers,
        makeActive: current ? makeActive === true : true,
      });
      setAdded({ card, kept: card.active ? undefined : current });
      setStep(undefined);
      onAdded(card);
    } catch (e) {
      setError(e);
      // Out of attempts: the broker closed this session, so the next try starts from the button.
      if (errorCode(e) === "too_many_attempts") setStep(undefined);
      // A wrong secret is cleared so the next try starts fresh; what else was typed stays.
      setAnswers((a) =>
        Object.fromEntries(
          Object.entries(a).map(([id, v]) => [
            id,
            step.questions.find((q) => q.id === id)?.kind === "secret" ? "" : v,
          ]),
        ),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="module-card" aria-labelledby={`module-${module.moduleId}`}>
      <div className="module-head">
        <div>
          <h4 id={`module-${module.moduleId}`}>{module.name}</h4>
          <p className="muted small">Paycard module {module.version}</p>
        </div>
        {step ? null : (
          <button
            type="button"
            className="button button--primary"
            data-testid={`add-paycard-${module.moduleId}`}
            disabled={busy}
            aria-busy={busy}
            onClick={() => void begin()}
          >
            {busy ? "Checking…" : `Add ${module.name} Paycard`}
          </button>
        )}
      </div>
      {step ? (
        <form
          ref={form}
          className="questions"
          aria-describedby={error ? errorId : undefined}
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <p className="notice notice--ok small" data-testid="paycard-certificate">
            <span className="notice-text">
              Verified: this Paycard is {step.certificate.moduleId} {step.certificate.version}, signed by{" "}
              <strong>{step.certificate.brokerName}</strong>.
            </span>
          </p>
          <fieldset disabled={busy}>
            <legend>{step.certificate.brokerName} asks</legend>
            {step.questions.map((q) => (
              <QuestionField
                key={q.id}
                question={q}
                value={answers[q.id] ?? ""}
                onChange={(v) => setAnswers((a) => ({ ...a, [q.id]: v }))}
              />
            ))}
          </fieldset>
          {current ? (
            <MakeActiveChoice
              name={`make-active-${module.moduleId}`}
              current={current}
              value={makeActive}
              disabled={busy}
              onChange={setMakeActive}
            />
          ) : null}
          {error ? (
            <div id={errorId}>
              <ErrorMessage error={error} testid="paycard-error" />
            </div>
          ) : null}
          <div className="actions actions--start">
            <button
              type="submit"
              className="button button--primary"
              data-testid="submit-answers"
              disabled={busy}
            >
              {busy ? "Adding…" : "Add Paycard"}
            </button>
            <button
              type="button"
              className="button button--ghost"
              disabled={busy}
              onClick={() => {
                setStep(undefined);
                setError(undefined);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {error && !step ? <ErrorMessage error={error} testid="paycard-error" /> : null}
      {added ? (
        <p className="notice notice--ok" role="status" data-testid="paycard-added">
          <span className="notice-text">
            Added {added.card.name} · {added.card.accountLabel}.{" "}
            {added.kept
              ? `${added.kept.name} · ${added.kept.accountLabel} is still your active Paycard.`
              : "It is your active Paycard."}
          </span>
        </p>
      ) : null}
    </section>
  );
}

function QuestionField({
  question,
  value,
  onChange,
}: {
  question: Question;
  value: string;
  onChange: (value: string) => void;
}) {
  const id = `q-${question.id}`;
  const hintId = question.hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{question.label}</label>
      {question.kind === "choice" ? (
        <select
          id={id}
          data-testid={`question-${question.id}`}
          value={value}
          aria-describedby={hintId}
          onChange={(e) => onChange(e.target.value)}
        >
          {(question.choices ?? []).map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          data-testid={`question-${question.id}`}
          type={question.kind === "secret" ? "password" : "text"}
          autoComplete="off"
          required
          value={value}
          aria-describedby={hintId}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      {question.hint ? (
        <small id={hintId} className="field-hint">
          {question.hint}
        </small>
      ) : null}
    </div>
  );
}

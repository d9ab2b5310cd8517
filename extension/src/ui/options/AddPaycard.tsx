/**
 * Add Paycard in the Wallet's standard UI (DESIGN §4.1): the module's certificate is checked and the
 * broker asked (Confirm Paycard), the broker's questions are shown (Take Question), the answers sent
 * (Answer Response). A refusal — a wrong PIN, attempts left — is shown as the broker worded it.
 */
import type { Question } from "@quickpay/protocol";
import { useState } from "react";
import { callWallet } from "../../shared/client";
import type { AddPaycardStep, ModuleView, PaycardView } from "../../shared/messages";
import { errorText } from "../shared/mount";

export function AddPaycard({
  module,
  onAdded,
}: {
  module: ModuleView;
  onAdded: (card: PaycardView) => void;
}) {
  const [step, setStep] = useState<AddPaycardStep>();
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState<PaycardView>();

  const begin = async () => {
    setBusy(true);
    setError(undefined);
    setAdded(undefined);
    try {
      const s = await callWallet("paycards.beginAdd", { moduleId: module.moduleId });
      setStep(s);
      setAnswers(
        Object.fromEntries(s.questions.map((q) => [q.id, q.kind === "choice" ? (q.choices?.[0] ?? "") : ""])),
      );
    } catch (e) {
      setError(errorText(e));
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
      });
      setAdded(card);
      setStep(undefined);
      onAdded(card);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card add-paycard">
      <h3>{module.name}</h3>
      <button
        type="button"
        data-testid={`add-paycard-${module.moduleId}`}
        disabled={busy}
        onClick={() => void begin()}
      >
        Add {module.name} Paycard
      </button>
      {step ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <p className="ok" data-testid="paycard-certificate">
            Certificate verified: {step.certificate.moduleId} {step.certificate.version}, signed by{" "}
            {step.certificate.brokerName}.
          </p>
          {step.questions.map((q) => (
            <QuestionField
              key={q.id}
              question={q}
              value={answers[q.id] ?? ""}
              onChange={(v) => setAnswers((a) => ({ ...a, [q.id]: v }))}
            />
          ))}
          <button type="submit" className="primary" data-testid="submit-answers" disabled={busy}>
            Add Paycard
          </button>
        </form>
      ) : null}
      {error ? (
        <p className="error" role="alert" data-testid="paycard-error">
          {error}
        </p>
      ) : null}
      {added ? (
        <p className="ok" data-testid="paycard-added">
          Added {added.name} · {added.accountLabel}
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
  return (
    <label htmlFor={id} className="question">
      <span>{question.label}</span>
      {question.kind === "choice" ? (
        <select
          id={id}
          data-testid={`question-${question.id}`}
          value={value}
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
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      {question.hint ? <small className="muted">{question.hint}</small> : null}
    </label>
  );
}

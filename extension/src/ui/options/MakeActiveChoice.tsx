/** Add Paycard's extra question when the wallet already has a Paycard: should the new one pay? */
import type { PaycardView } from "../../shared/messages";
import "../shared/paycards.css";

/** "Pay with the new Paycard?": asked when the wallet already has one; nothing is picked beforehand. */
export function MakeActiveChoice({
  name,
  current,
  value,
  disabled,
  onChange,
}: {
  name: string;
  current: PaycardView;
  value: boolean | undefined;
  disabled: boolean;
  onChange: (makeActive: boolean) => void;
}) {
  return (
    <fieldset disabled={disabled} className="pc-choice" data-testid="make-active-choice">
      <legend>Pay with the new Paycard?</legend>
      <label className="pc-choice-option">
        <input
          type="radio"
          name={name}
          data-testid="make-active-yes"
          required
          checked={value === true}
          onChange={() => onChange(true)}
        />
        <span>Yes, make it my active Paycard</span>
      </label>
      <label className="pc-choice-option">
        <input
          type="radio"
          name={name}
          data-testid="make-active-no"
          required
          checked={value === false}
          onChange={() => onChange(false)}
        />
        <span>
          No, keep {current.name} · {current.accountLabel} active
        </span>
      </label>
    </fieldset>
  );
}

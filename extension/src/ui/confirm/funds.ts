/**
 * Whether a Paycard can pay an amount, decided in the confirmation window before the shopper
 * approves, from the card's balance as its broker reported it (`paycards.overview`). Pure: tests and
 * the window share it.
 */
import { type MoneyWire, parseMoney } from "@quickpay/protocol";
import type { PaycardOverview } from "../../shared/messages";
import { formatAmount } from "../shared/format";

export type Funds =
  /** The balance is being asked. */
  | { state: "checking" }
  | { state: "enough"; available: MoneyWire }
  /** Approve is disabled: `words` says why and what to do. */
  | { state: "short"; available: MoneyWire; words: string }
  | { state: "unusable"; code: string; words: string }
  /** The broker could not be asked: approving is still offered (the bank checks when it pays). */
  | { state: "unknown"; code: string; words: string };

/** Whether Approve may be pressed for these funds. */
export function canPay(funds: Funds): boolean {
  return funds.state === "enough" || funds.state === "unknown";
}

/**
 * What `card` can do for `amount`. `card` undefined: the balances are still being asked;
 * `failed`: the Wallet could not list its cards at all.
 */
export function fundsFor(
  amount: MoneyWire,
  card: PaycardOverview | undefined,
  options: { failed?: boolean; locale?: string } = {},
): Funds {
  if (!card) {
    return options.failed
      ? {
          state: "unknown",
          code: "internal",
          words: "Your Wallet could not check the balance just now. Your bank checks it when you pay.",
        }
      : { state: "checking" };
  }
  if (card.status === "revoked") {
    return {
      state: "unusable",
      code: card.error?.code ?? "unauthorized",
      words: `${card.brokerName} no longer accepts this Paycard. Pick another Paycard, or remove this one and add it again.`,
    };
  }
  if (card.currency !== amount.currency) {
    return {
      state: "unusable",
      code: "mismatch",
      words: `This Paycard pays in ${card.currency}; this payment is in ${amount.currency}. Pick another Paycard.`,
    };
  }
  if (!card.balance) {
    const code = card.error?.code ?? "broker_unreachable";
    return {
      state: "unknown",
      code,
      words: `${card.brokerName} could not be asked for this Paycard's balance just now. You can still pay: the bank checks it then.`,
    };
  }
  const available = card.balance.available;
  if (parseMoney(available).micros < parseMoney(amount).micros) {
    const has = formatAmount(available, options.locale);
    const costs = formatAmount(amount, options.locale);
    return {
      state: "short",
      available,
      words: `Not enough money on ${card.accountLabel || card.name}: ${has} available, this costs ${costs}. Pick another Paycard or add money at ${card.brokerName}.`,
    };
  }
  return { state: "enough", available };
}

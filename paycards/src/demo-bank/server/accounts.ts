/** The demo bank's deterministic demo accounts (printed by the demo so people can add a Paycard). */
import { formatMoney, type MoneyWire, parseMoney } from "@quickpay/protocol";
import { hashSecret, type Ledger } from "../../broker-kit";

export interface DemoAccount {
  accountNumber: string;
  pin: string;
  holder: string;
  balance: MoneyWire;
}

const usd = (micros: number) => formatMoney({ currency: "USD", micros });

export const demoAccounts: readonly DemoAccount[] = [
  { accountNumber: "1000-0001", pin: "1234", holder: "Alice Demo", balance: usd(5_000_000) },
  { accountNumber: "1000-0002", pin: "4321", holder: "Bob Demo", balance: usd(500_000) },
  { accountNumber: "1000-0003", pin: "0000", holder: "Carol Demo", balance: usd(0) },
];

/** Accepts "1000-0001", "10000001" and "1000 0001"; anything else cannot be a demo account number. */
export function normalizeDemoAccountNumber(typed: string): string | undefined {
  const digits = typed.replace(/[\s-]/g, "");
  return /^\d{8}$/.test(digits) ? `${digits.slice(0, 4)}-${digits.slice(4)}` : undefined;
}

/** Opens the demo accounts that do not exist yet; existing ones keep their balance across restarts. */
export function seedDemoAccounts(ledger: Ledger, now: number): void {
  for (const a of demoAccounts) {
    if (ledger.accounts.byNumber(a.accountNumber)) continue;
    ledger.accounts.ensure(
      {
        number: a.accountNumber,
        holder: a.holder,
        currency: a.balance.currency,
        balanceMicros: parseMoney(a.balance).micros,
        secretHash: hashSecret(a.pin),
      },
      now,
    );
  }
}

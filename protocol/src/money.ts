/**
 * Money: a decimal string on the wire (the Payment Request API's shape), an integer count of
 * micro-units (10⁻⁶) in memory and storage. Never a float.
 */
import { QuickPayError } from "./errors";

/** 1 unit = 1,000,000 micro-units, so 0.000001 USD is the smallest amount that can be expressed. */
export const MICROS_PER_UNIT = 1_000_000;
const DECIMALS = 6;
const VALUE_PATTERN = /^(0|[1-9]\d{0,12})(\.\d{1,6})?$/;

export interface MoneyWire {
  currency: string;
  value: string;
}

export interface Money {
  currency: string;
  micros: number;
}

export const moneyValuePattern = VALUE_PATTERN;
export const currencyPattern = /^[A-Z]{3}$/;

export function parseMoney(wire: MoneyWire): Money {
  if (!currencyPattern.test(wire.currency)) {
    throw new QuickPayError(
      "invalid_request",
      `currency must be three capital letters, got "${wire.currency}"`,
    );
  }
  const match = VALUE_PATTERN.exec(wire.value);
  if (!match) {
    throw new QuickPayError(
      "invalid_request",
      `amount must be a non-negative decimal with at most 6 decimals, got "${wire.value}"`,
    );
  }
  const whole = Number(match[1]);
  const fraction = (match[2] ?? ".").slice(1).padEnd(DECIMALS, "0");
  const micros = whole * MICROS_PER_UNIT + Number(fraction);
  if (!Number.isSafeInteger(micros)) throw new QuickPayError("invalid_request", "amount too large");
  return { currency: wire.currency, micros };
}

export function formatMoney(money: Money): MoneyWire {
  if (!Number.isSafeInteger(money.micros) || money.micros < 0) {
    throw new QuickPayError(
      "invalid_request",
      `micros must be a non-negative safe integer, got ${money.micros}`,
    );
  }
  const whole = Math.floor(money.micros / MICROS_PER_UNIT);
  const fraction = String(money.micros % MICROS_PER_UNIT)
    .padStart(DECIMALS, "0")
    .replace(/0+$/, "");
  // Keep at least two decimals so "0.01" stays "0.01" and reads like money.
  const shown = fraction.length < 2 ? fraction.padEnd(2, "0") : fraction;
  return { currency: money.currency, value: `${whole}.${shown}` };
}

/** Canonical wire form, so the same amount always serialises (and hashes) the same way. */
export function normalizeMoney(wire: MoneyWire): MoneyWire {
  return formatMoney(parseMoney(wire));
}

export function sameMoney(a: MoneyWire, b: MoneyWire): boolean {
  const x = parseMoney(a);
  const y = parseMoney(b);
  return x.currency === y.currency && x.micros === y.micros;
}

/** For people: "$0.01", "0.005 USD". */
export function displayMoney(wire: MoneyWire): string {
  const { value, currency } = normalizeMoney(wire);
  return currency === "USD" ? `$${value}` : `${value} ${currency}`;
}

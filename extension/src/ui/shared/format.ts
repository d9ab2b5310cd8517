/** How the Wallet's pages word a purchase: its status, its reason, its dates. */
import { displayMoney, type MoneyWire, normalizeMoney } from "@quickpay/protocol";
import { wordsFor } from "@quickpay/protocol/words";
import type { HistoryItem, PurchaseStatus } from "../../shared/messages";

/** How a status looks: its colour family in wallet.css (`pill--<tone>`). */
export type StatusTone = "ok" | "progress" | "warn" | "neutral" | "danger" | "info";

/** Every status a person can meet in the history, in words; `satisfies` makes a new status a compile error. */
export const statusWords = {
  confirming: { label: "Waiting for you", tone: "progress" },
  paying: { label: "Paying…", tone: "progress" },
  waiting_for_shop: { label: "Paid, waiting for the shop", tone: "warn" },
  delivered: { label: "Delivered", tone: "ok" },
  restored: { label: "Opened again, no charge", tone: "ok" },
  declined: { label: "Declined", tone: "neutral" },
  failed: { label: "Failed", tone: "danger" },
  not_charged: { label: "Not charged", tone: "neutral" },
  refunded: { label: "Refunded", tone: "info" },
} as const satisfies Record<PurchaseStatus, { label: string; tone: StatusTone }>;

/**
 * Why a purchase ended the way it did, or where it stands, in words: the Wallet's own reason when it
 * gave one (it knows the story, e.g. "the shop never handed it over"), else the words for its code,
 * else — for a status that always has a story — the default sentence.
 */
export function reasonFor(item: Pick<HistoryItem, "status" | "reason" | "reasonCode">): string | undefined {
  if (item.reason) return item.reason;
  if (item.reasonCode) return wordsFor(item.reasonCode);
  switch (item.status) {
    case "waiting_for_shop":
      return wordsFor("delivery_failed");
    case "not_charged":
      return wordsFor("not_charged");
    default:
      return undefined;
  }
}

/** Statuses in which the amount was never (or is no longer) taken by this attempt: shown struck through. */
export function amountWasNotTaken(status: PurchaseStatus): boolean {
  return (
    status === "declined" ||
    status === "failed" ||
    status === "not_charged" ||
    status === "refunded" ||
    status === "restored"
  );
}

/** "5 Mar 2025, 14:05" in the browser's locale (`locale` for tests). */
export function formatDateTime(iso: string, locale?: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "medium",
    timeStyle: "short",
    ...(timeZone ? { timeZone } : {}),
  }).format(date);
}

/**
 * For lists: "Today, 14:05" and "Yesterday, 09:12" (in the locale's words) for the last two days,
 * else the full date and time. The `<time>` around it carries the exact instant.
 */
export function formatWhen(iso: string, locale?: string, timeZone?: string, now: Date = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const tz = timeZone ? { timeZone } : {};
  const day = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", ...tz });
  const dayOf = (d: Date) => day.format(d);
  const yesterday = new Date(now.getTime() - 86_400_000);
  const offset = dayOf(date) === dayOf(now) ? 0 : dayOf(date) === dayOf(yesterday) ? -1 : undefined;
  if (offset === undefined) return formatDateTime(iso, locale, timeZone);
  const word = new Intl.RelativeTimeFormat(locale, { numeric: "auto" }).format(offset, "day");
  const time = new Intl.DateTimeFormat(locale, { timeStyle: "short", ...tz }).format(date);
  return `${word.charAt(0).toLocaleUpperCase(locale) + word.slice(1)}, ${time}`;
}

/** "Receipt kept" lines for a delivered purchase: how long the shop re-delivers it on this receipt. */
export function receiptWords(
  receiptUntil: HistoryItem["receiptUntil"],
  locale?: string,
  timeZone?: string,
): string | undefined {
  if (receiptUntil === undefined) return undefined;
  if (receiptUntil === null) return "The shop no longer re-opens it on your receipt.";
  if (receiptUntil === "forever") return "Receipt kept: the shop opens it again at no charge.";
  return `Receipt kept: the shop opens it again at no charge until ${formatDateTime(receiptUntil, locale, timeZone)}.`;
}

/** What the confirmation window says when the purchase was answered already (from another window, or before a restart). */
export const answeredWords = {
  paying: "You approved this payment. It is being paid now.",
  waiting_for_shop: "You paid. The shop has not handed it over yet; your Wallet keeps trying.",
  delivered: "You paid, and the shop handed it over.",
  restored: "You opened your copy again. Nothing was charged.",
  declined: "You declined this payment. Nothing was charged.",
  failed: "This payment did not go through.",
  not_charged: "This payment did not go through. Nothing was charged.",
  refunded: "This payment was refunded.",
} as const satisfies Record<Exclude<PurchaseStatus, "confirming">, string>;

/** The sentence for a purchase answered already; undefined while it is still being confirmed. */
export function answeredText(status: PurchaseStatus): string | undefined {
  return status === "confirming" ? undefined : answeredWords[status];
}

/**
 * An amount in the shopper's locale through `Intl.NumberFormat`: "$0.01", "4,99 $", "¥500". The
 * decimal string goes to the formatter as a string (exact, never a float); sub-cent amounts keep
 * their digits ("$0.005") instead of rounding to what was not charged.
 */
export function formatAmount(wire: MoneyWire, locale?: string): string {
  const { value, currency } = normalizeMoney(wire);
  const decimals = value.split(".")[1]?.length ?? 0;
  try {
    const usual = new Intl.NumberFormat(locale, { style: "currency", currency }).resolvedOptions();
    const min = usual.minimumFractionDigits ?? 2;
    return new Intl.NumberFormat(locale, {
      style: "currency",
      currency,
      minimumFractionDigits: min,
      maximumFractionDigits: Math.max(min, decimals),
    }).format(value as `${number}`);
  } catch {
    return displayMoney(wire);
  }
}

/**
 * Per-vendor micropayment allowances: "let this shop spend up to $X per day / week / month without
 * asking". An allowance belongs to one verified vendor id at one origin (the pair the directory
 * verified for the page), pays micro orders only, in its own currency, and only with the Paycard that
 * is active at the time of the purchase.
 *
 * Periods are calendar periods in the shopper's time zone (the browser's): a day from midnight, a
 * week from Monday 00:00, a month from the 1st. The shopper reads "up to $0.10 per day" as "today",
 * as a bank's daily limit does; a rolling 24 h window would make "what is left" drift by the minute.
 *
 * Who can change one: only the Wallet's own pages (the messages are `from: "ui"`; the router refuses
 * them from a page), and an allowance is made from a purchase the shopper approved in the confirmation
 * window, whose vendor and origin come from the stored purchase, never from the message.
 *
 * The check-and-spend (`autoPay`) reads the allowance, the active Paycard and the spend so far, and
 * writes the new spend, the purchase (`paying`) and its Inquiry Payment, in ONE IndexedDB readwrite
 * transaction: IndexedDB runs readwrite transactions over the same store one after another, so two
 * concurrent purchases can never both fit in the last cent. Amounts are micro-units (protocol money
 * helpers), never floats.
 *
 * A purchase it paid that then ends without the shopper being charged gives its amount back to the
 * period it was spent in (`creditAllowanceBack`, in the outbox's transaction that records the end).
 */
import {
  formatMoney,
  type MoneyWire,
  newPayerSalt,
  normalizeMoney,
  parseMoney,
  QuickPayError,
} from "@quickpay/protocol";
import type { AllowanceView } from "../shared/messages";
import type { AllowancePeriod, StoredAllowance, StoredPurchase, WalletDatabase } from "./db";
import { inquiryItem } from "./purchase-steps";

/** The most one allowance may let a shop spend per period, in units of its currency (micropayments only). */
export const MAX_ALLOWANCE_UNITS = 20;

export function allowanceKey(vendorId: string, origin: string): string {
  return `${vendorId} ${origin}`;
}

/** The start of the calendar period `at` falls in, in the runtime's (the shopper's) time zone. */
export function periodStartOf(at: Date, period: AllowancePeriod): Date {
  const y = at.getFullYear();
  const m = at.getMonth();
  const d = at.getDate();
  if (period === "day") return new Date(y, m, d);
  if (period === "month") return new Date(y, m, 1);
  // Weeks start on Monday (ISO 8601): getDay() is 0 on Sunday.
  const sinceMonday = (at.getDay() + 6) % 7;
  return new Date(y, m, d - sinceMonday);
}

/** When the period `at` falls in ends and the allowance is whole again. */
export function periodEndOf(at: Date, period: AllowancePeriod): Date {
  const start = periodStartOf(at, period);
  if (period === "day") return new Date(start.getFullYear(), start.getMonth(), start.getDate() + 1);
  if (period === "week") return new Date(start.getFullYear(), start.getMonth(), start.getDate() + 7);
  return new Date(start.getFullYear(), start.getMonth() + 1, 1);
}

/** What was spent in the current period (zero once the clock passed the stored one). */
export function spentNow(a: StoredAllowance, now: Date): number {
  return periodStartOf(now, a.period).toISOString() === a.periodStart ? a.spentMicros : 0;
}

/** A limit as the Wallet keeps it: canonical, positive, at most `MAX_ALLOWANCE_UNITS`. */
export function checkedLimit(limit: MoneyWire): MoneyWire {
  const money = parseMoney(limit);
  if (money.micros <= 0) throw new QuickPayError("invalid_request", "an allowance must be more than zero");
  if (money.micros > MAX_ALLOWANCE_UNITS * 1_000_000) {
    throw new QuickPayError(
      "invalid_request",
      `an allowance may be at most ${MAX_ALLOWANCE_UNITS} ${money.currency}`,
      {
        words: `An allowance can be at most ${MAX_ALLOWANCE_UNITS} ${money.currency} per period.`,
      },
    );
  }
  return normalizeMoney(limit);
}

export function allowanceView(a: StoredAllowance, now: Date): AllowanceView {
  const limit = parseMoney(a.limit);
  const spent = Math.min(spentNow(a, now), Number.MAX_SAFE_INTEGER);
  return {
    key: a.key,
    vendorId: a.vendorId,
    origin: a.origin,
    vendorName: a.vendorName,
    limit: a.limit,
    period: a.period,
    spent: formatMoney({ currency: limit.currency, micros: spent }),
    left: formatMoney({ currency: limit.currency, micros: Math.max(0, limit.micros - spent) }),
    renewsAt: periodEndOf(now, a.period).toISOString(),
  };
}

/**
 * Whether a purchase ended with the shopper's money not taken: declined, `not_charged` (the shop
 * refused for good; the bank releases its hold), or failed before any bank endorsed it (refused by
 * the bank, expired, the card removed). A purchase that failed after an endorsement is not one: the
 * shop may have delivered to an attempt whose answer was lost, so the Wallet cannot tell.
 */
export function amountNotTaken(p: Pick<StoredPurchase, "status" | "endorsement">): boolean {
  return p.status === "declined" || p.status === "not_charged" || (p.status === "failed" && !p.endorsement);
}

/**
 * Called with every purchase record the outbox is about to store (purchase-steps.ts), in the same
 * transaction: an allowance purchase that has just ended with its amount not taken gives that amount
 * back to its allowance — only to the period it was spent in, while that period lasts and the
 * allowance is the one that paid (not revoked and made again since), never below zero. Returns the
 * record to store, marked settled, so a second recording of the same end credits nothing.
 */
export async function creditAllowanceBack(
  allowances: {
    get(key: string): Promise<StoredAllowance | undefined>;
    put(a: StoredAllowance): Promise<unknown>;
  },
  p: StoredPurchase,
  now: Date,
): Promise<StoredPurchase> {
  const spend = p.allowanceSpend;
  if (!spend || spend.creditBack || p.allowanceKey === undefined || !amountNotTaken(p)) return p;
  const a = await allowances.get(p.allowanceKey);
  const credited =
    a !== undefined &&
    a.period === spend.period &&
    a.periodStart === spend.periodStart &&
    periodStartOf(now, a.period).toISOString() === spend.periodStart &&
    Date.parse(a.createdAt) <= Date.parse(p.createdAt);
  if (credited) {
    await allowances.put({
      ...a,
      spentMicros: Math.max(0, a.spentMicros - spend.micros),
      updatedAt: now.toISOString(),
    });
  }
  return { ...p, allowanceSpend: { ...spend, creditBack: { at: now.toISOString(), credited } } };
}

export class Allowances {
  constructor(
    private readonly db: WalletDatabase,
    private readonly now: () => Date,
  ) {}

  async list(): Promise<AllowanceView[]> {
    const now = this.now();
    const all = await this.db.getAll("allowances");
    return all
      .sort((a, b) => a.vendorName.localeCompare(b.vendorName) || a.key.localeCompare(b.key))
      .map((a) => allowanceView(a, now));
  }

  async forPurchase(p: StoredPurchase): Promise<AllowanceView | null> {
    const a = await this.db.get("allowances", allowanceKey(p.vendorId, p.origin));
    return a ? allowanceView(a, this.now()) : null;
  }

  /**
   * Made (or replaced) from a purchase the shopper approved in the window: the vendor and origin are
   * the purchase's (verified when it was ordered). That purchase counts as spent in this period.
   */
  async setFromPurchase(
    p: StoredPurchase,
    limit: MoneyWire,
    period: AllowancePeriod,
  ): Promise<AllowanceView> {
    const order = p.signedOrder.order;
    if (order.kind !== "micro") {
      throw new QuickPayError("invalid_request", "allowances are for micropayments only");
    }
    const checked = checkedLimit(limit);
    if (checked.currency !== order.amount.currency) {
      throw new QuickPayError(
        "invalid_request",
        `this shop charges ${order.amount.currency}, not ${checked.currency}`,
      );
    }
    const now = this.now();
    const key = allowanceKey(p.vendorId, p.origin);
    const periodStart = periodStartOf(now, period).toISOString();
    const tx = this.db.transaction("allowances", "readwrite");
    const old = await tx.store.get(key);
    const already = old && old.period === period && old.periodStart === periodStart ? old.spentMicros : 0;
    const record: StoredAllowance = {
      key,
      vendorId: p.vendorId,
      origin: p.origin,
      vendorName: p.vendor.name,
      limit: checked,
      period,
      periodStart,
      spentMicros: already + parseMoney(order.amount).micros,
      createdAt: old?.createdAt ?? now.toISOString(),
      updatedAt: now.toISOString(),
    };
    await tx.store.put(record);
    await tx.done;
    return allowanceView(record, now);
  }

  /** The options page's edit: a new limit or period (what was spent this period still counts). */
  async update(key: string, change: { limit?: MoneyWire; period?: AllowancePeriod }): Promise<AllowanceView> {
    const now = this.now();
    const tx = this.db.transaction("allowances", "readwrite");
    const old = await tx.store.get(key);
    if (!old) {
      await tx.done;
      throw new QuickPayError("not_found", "no such allowance");
    }
    const limit = change.limit === undefined ? old.limit : checkedLimit(change.limit);
    if (limit.currency !== old.limit.currency) {
      await tx.done;
      throw new QuickPayError("invalid_request", `this allowance is in ${old.limit.currency}`);
    }
    const period = change.period ?? old.period;
    const periodStart = periodStartOf(now, period).toISOString();
    const record: StoredAllowance = {
      ...old,
      limit,
      period,
      periodStart,
      // A changed period carries over what the current one has spent: an edit forgives nothing.
      spentMicros: spentNow(old, now),
      updatedAt: now.toISOString(),
    };
    await tx.store.put(record);
    await tx.done;
    return allowanceView(record, now);
  }

  async revoke(key: string): Promise<void> {
    await this.db.delete("allowances", key);
  }

  /**
   * The check-and-spend: if `p` (a verified micro order, not yet stored) fits in its vendor's
   * allowance with the active Paycard, it is stored `paying` with its Inquiry Payment queued and the
   * allowance charged — all in one transaction — and true is returned. Otherwise nothing is written.
   */
  async autoPay(p: StoredPurchase): Promise<boolean> {
    const order = p.signedOrder.order;
    if (order.kind !== "micro") return false;
    const now = this.now();
    const amount = parseMoney(order.amount);
    const tx = this.db.transaction(["allowances", "paycards", "purchases", "outbox"], "readwrite");
    const a = await tx.objectStore("allowances").get(allowanceKey(p.vendorId, p.origin));
    const active = a ? (await tx.objectStore("paycards").getAll()).find((c) => c.active) : undefined;
    const limit = a ? parseMoney(a.limit) : undefined;
    const spent = a ? spentNow(a, now) : 0;
    const fits =
      a !== undefined &&
      limit !== undefined &&
      active !== undefined &&
      active.paycardId === p.paycardId &&
      limit.currency === amount.currency &&
      a.vendorId === order.vendorId &&
      spent + amount.micros <= limit.micros;
    if (!fits || !a) {
      await tx.done;
      return false;
    }
    const periodStart = periodStartOf(now, a.period).toISOString();
    await tx.objectStore("allowances").put({
      ...a,
      periodStart,
      spentMicros: spent + amount.micros,
      updatedAt: now.toISOString(),
    });
    const paying: StoredPurchase = {
      ...p,
      payerSalt: p.payerSalt ?? newPayerSalt(),
      status: "paying",
      allowanceKey: a.key,
      allowanceSpend: { period: a.period, periodStart, micros: amount.micros },
      updatedAt: now.toISOString(),
    };
    await tx.objectStore("purchases").put(paying);
    await tx.objectStore("outbox").put(inquiryItem(paying, now));
    await tx.done;
    return true;
  }
}

/**
 * One purchase attempt as a row, the same in the popup (the latest few) and on the options page (all
 * of them, paged). `order-item` and its `data-status` / `data-order-digest` are what e2e reads.
 */
import type { HistoryItem } from "../../shared/messages";
import {
  amountWasNotTaken,
  formatAmount,
  formatDateTime,
  formatWhen,
  reasonFor,
  receiptWords,
  statusWords,
} from "./format";

export function StatusPill({ status }: { status: HistoryItem["status"] }) {
  const { label, tone } = statusWords[status];
  return (
    <span className={`pill pill--${tone}`} data-testid="order-status">
      {label}
    </span>
  );
}

export function HistoryRow({
  item,
  detailed = false,
  locale,
  timeZone,
  now,
  current = false,
}: {
  item: HistoryItem;
  /** The row a link pointed at (the inbox's "See it in your history"): marked and focusable. */
  current?: boolean;
  /** The options page also says what the receipt is good for. */
  detailed?: boolean;
  locale?: string;
  timeZone?: string;
  /** "Today" / "Yesterday" are counted from here (tests fix it). */
  now?: Date;
}) {
  const reason = reasonFor(item);
  // A receipt good forever is the usual case and goes unsaid; a time limit, or its end, is worth a line.
  const receipt =
    detailed && item.status === "delivered" && item.receiptUntil !== "forever"
      ? receiptWords(item.receiptUntil, locale, timeZone)
      : undefined;
  const struck = amountWasNotTaken(item.status);
  return (
    <li
      className={current ? "history-row is-current" : "history-row"}
      {...(current ? { "aria-current": "true" as const, tabIndex: -1, id: `order-${item.orderDigest}` } : {})}
      data-testid="order-item"
      data-status={item.status}
      data-order-digest={item.orderDigest}
      data-purchase-id={item.purchaseId}
    >
      <div className="history-main">
        <span className="history-title" data-testid="order-description">
          {item.description}
        </span>
        <span className={struck ? "history-amount is-void" : "history-amount"} data-testid="order-amount">
          {formatAmount(item.amount, locale)}
        </span>
      </div>
      <div className="history-meta">
        <span className="history-shop" title={item.origin}>
          {item.vendorName}
        </span>
        <span aria-hidden="true"> · </span>
        <time
          dateTime={item.createdAt}
          data-testid="order-time"
          title={formatDateTime(item.createdAt, locale, timeZone)}
        >
          {formatWhen(item.createdAt, locale, timeZone, now)}
        </time>
        <StatusPill status={item.status} />
        {item.paidBy === "allowance" ? (
          <span
            className="pill pill--info"
            data-testid="order-paid-by"
            title="Paid without asking, inside your allowance for this shop"
          >
            Allowance
          </span>
        ) : null}
      </div>
      {reason ? (
        <p
          className="history-reason"
          data-testid="order-reason"
          data-reason-code={item.reasonCode}
          title={reason}
        >
          {reason}
        </p>
      ) : null}
      {receipt ? (
        <p className="history-receipt" data-testid="order-receipt">
          {receipt}
        </p>
      ) : null}
    </li>
  );
}

export function HistoryList({
  items,
  detailed,
  label,
  locale,
  timeZone,
  current,
}: {
  items: HistoryItem[];
  detailed?: boolean;
  /** The order digest of the row a link pointed at. */
  current?: string | undefined;
  /** The list's accessible name. */
  label: string;
  locale?: string;
  timeZone?: string;
}) {
  return (
    <ul className="history" aria-label={label}>
      {items.map((item) => (
        <HistoryRow
          key={item.purchaseId}
          item={item}
          {...(detailed ? { detailed } : {})}
          {...(locale ? { locale } : {})}
          {...(timeZone ? { timeZone } : {})}
          {...(current === item.orderDigest ? { current: true } : {})}
        />
      ))}
    </ul>
  );
}

/** Merges a fresh first page into rows already loaded: updated rows replace, new ones go on top. */
export function mergeHistory(loaded: HistoryItem[], fresh: HistoryItem[]): HistoryItem[] {
  const freshIds = new Set(fresh.map((i) => i.purchaseId));
  return [...fresh, ...loaded.filter((i) => !freshIds.has(i.purchaseId))];
}

/** Appends an older page, skipping rows already shown (a refresh may have pulled them up meanwhile). */
export function appendOlder(loaded: HistoryItem[], older: HistoryItem[]): HistoryItem[] {
  const shown = new Set(loaded.map((i) => i.purchaseId));
  return [...loaded, ...older.filter((i) => !shown.has(i.purchaseId))];
}

/**
 * The purchase history: every attempt, newest first, a page at a time. The cursor is the last row's
 * `createdAt` and id (the `byCreatedAt` index's key), so pages stay the same while newer attempts
 * arrive and rows created in the same millisecond are neither skipped nor repeated.
 */
import { QuickPayError } from "@quickpay/protocol";
import { HISTORY_PAGE_SIZE, type HistoryItem, type HistoryPage } from "../shared/messages";
import type { StoredPurchase, WalletDatabase } from "./db";
import { receiptUntilView } from "./purchases";
import { type PaycardNames, reasonOf } from "./words";

const CURSOR = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)~([A-Za-z0-9_-]{1,64})$/;

export function historyCursor(p: Pick<StoredPurchase, "createdAt" | "id">): string {
  return `${p.createdAt}~${p.id}`;
}

function parseCursor(cursor: string): [string, string] {
  const m = CURSOR.exec(cursor);
  if (!m) throw new QuickPayError("invalid_request", "not a history cursor");
  return [m[1]!, m[2]!];
}

/** How the history names a purchase's Paycard in its words (paycard-host.ts `namesFor`). */
export type NamesOf = (p: StoredPurchase) => PaycardNames;

export function historyItem(p: StoredPurchase, now: number, names?: NamesOf): HistoryItem {
  const order = p.signedOrder.order;
  const deliveredAt = p.receipt?.deliveredAt ?? p.restored?.result.deliveredAt;
  return {
    purchaseId: p.id,
    orderDigest: p.orderDigest,
    itemId: p.itemId,
    description: order.description,
    amount: order.amount,
    vendorName: p.vendor.name,
    origin: p.origin,
    status: p.status,
    ...reasonOf(p, names?.(p)),
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    ...(deliveredAt === undefined ? {} : { deliveredAt }),
    ...(p.status === "delivered" ? { receiptUntil: receiptUntilView(p, now) } : {}),
    registered: p.registered,
    ...(p.allowanceKey === undefined ? {} : { paidBy: "allowance" as const }),
  };
}

export async function historyPage(
  db: WalletDatabase,
  options: { before?: string | undefined; limit?: number | undefined },
  now: number,
  names?: NamesOf,
): Promise<HistoryPage> {
  const limit = options.limit ?? HISTORY_PAGE_SIZE;
  const range =
    options.before === undefined ? null : IDBKeyRange.upperBound(parseCursor(options.before), true);
  const rows: StoredPurchase[] = [];
  let cursor = await db.transaction("purchases").store.index("byCreatedAt").openCursor(range, "prev");
  // One more than asked for tells whether an older page exists.
  while (cursor && rows.length <= limit) {
    rows.push(cursor.value);
    cursor = await cursor.continue();
  }
  const page = rows.slice(0, limit);
  return {
    items: page.map((p) => historyItem(p, now, names)),
    next: rows.length > limit ? historyCursor(page[page.length - 1]!) : null,
  };
}

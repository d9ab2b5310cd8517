/** History rows and views for the UI's tests (and nothing else): one of every status. */
import type { HistoryItem } from "../../shared/messages";

const base: HistoryItem = {
  purchaseId: "p-delivered",
  orderDigest: "d".repeat(64),
  itemId: "article-1",
  description: "City council votes to plant 1,000 trees",
  amount: { currency: "USD", value: "0.01" },
  vendorName: "The Daily Cent",
  origin: "https://news.example",
  status: "delivered",
  createdAt: "2025-03-05T14:05:00.000Z",
  updatedAt: "2025-03-05T14:05:02.000Z",
  deliveredAt: "2025-03-05T14:05:02.000Z",
  receiptUntil: "forever",
  registered: true,
};

export function historyItem(overrides: Partial<HistoryItem> = {}): HistoryItem {
  return { ...base, ...overrides };
}

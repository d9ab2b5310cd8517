import type { ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { PurchaseStatus } from "../../shared/messages";
import { appendOlder, HistoryList, HistoryRow, mergeHistory } from "./History";
import { historyItem } from "./test-fixtures";

const render = (node: ReactNode) => renderToStaticMarkup(node);

describe("a history row", () => {
  it("marks the row a link pointed at (an inbox message's order), and only that one", () => {
    const pointed = historyItem({ purchaseId: "a", orderDigest: "a".repeat(64) });
    const other = historyItem({ purchaseId: "b", orderDigest: "b".repeat(64) });
    const html = render(<HistoryList items={[pointed, other]} label="All" current={"a".repeat(64)} />);
    expect(html).toContain(
      `class="history-row is-current" aria-current="true" tabindex="-1" id="order-${"a".repeat(64)}"`,
    );
    expect(html.match(/aria-current/g)).toHaveLength(1);
  });

  it("shows what, how much, which shop, when (date and time in <time>) and the status in words", () => {
    const html = render(
      <HistoryRow
        item={historyItem()}
        locale="en-GB"
        timeZone="UTC"
        now={new Date("2025-04-01T00:00:00Z")}
      />,
    );
    expect(html).toContain('data-testid="order-item"');
    expect(html).toContain('data-status="delivered"');
    expect(html).toContain(`data-order-digest="${"d".repeat(64)}"`);
    expect(html).toContain("City council votes to plant 1,000 trees");
    // The row's locale words the amount too: British English names the dollar.
    expect(html).toMatch(/data-testid="order-amount"[^>]*>US\$0\.01</);
    expect(html).toContain("The Daily Cent");
    expect(html).toContain(
      '<time dateTime="2025-03-05T14:05:00.000Z" data-testid="order-time" title="5 Mar 2025, 14:05">5 Mar 2025, 14:05</time>',
    );
    expect(html).toMatch(/data-testid="order-status"[^>]*>Delivered</);
  });

  it("words the amount in the shopper's locale, every digit kept", () => {
    const item = historyItem({ amount: { currency: "EUR", value: "1234.5" } });
    expect(render(<HistoryRow item={item} locale="de-DE" timeZone="UTC" />)).toMatch(
      /data-testid="order-amount"[^>]*>1\.234,50\u00a0€</,
    );
    const cent = historyItem({ amount: { currency: "USD", value: "0.01" } });
    expect(render(<HistoryRow item={cent} locale="en-US" timeZone="UTC" />)).toMatch(
      /data-testid="order-amount"[^>]*>\$0\.01</,
    );
  });

  it("gives every status a label and, where there is one, the reason in words with its code apart", () => {
    for (const status of PurchaseStatus.options) {
      const html = render(<HistoryRow item={historyItem({ status })} />);
      expect(html, status).toMatch(/data-testid="order-status"[^>]*>[A-Z][^<_]+</);
    }
    const failed = render(
      <HistoryRow item={historyItem({ status: "failed", reasonCode: "insufficient_funds" })} />,
    );
    expect(failed).toContain('data-reason-code="insufficient_funds"');
    expect(failed).toContain("There is not enough money on your active Paycard for this.");
    expect(failed).not.toMatch(/>[^<]*insufficient_funds[^<]*</);
    expect(failed).toContain("is-void"); // the amount was never taken
  });

  it("says on the options page how long the receipt is good", () => {
    const timed = historyItem({ receiptUntil: "2025-04-05T14:05:00.000Z" });
    expect(render(<HistoryRow item={timed} detailed locale="en-GB" timeZone="UTC" />)).toContain(
      "opens it again at no charge until 5 Apr 2025, 14:05.",
    );
    expect(render(<HistoryRow item={historyItem({ receiptUntil: null })} detailed />)).toContain("no longer");
    expect(render(<HistoryRow item={historyItem()} detailed />)).not.toContain("order-receipt"); // forever: unsaid
    expect(render(<HistoryRow item={timed} />)).not.toContain("order-receipt"); // the popup keeps it short
  });

  it("lists rows under an accessible name", () => {
    const html = render(
      <HistoryList items={[historyItem(), historyItem({ purchaseId: "p2" })]} label="Recent purchases" />,
    );
    expect(html).toContain('aria-label="Recent purchases"');
    expect(html.match(/data-testid="order-item"/g)).toHaveLength(2);
  });
});

describe("paging the history", () => {
  const a = historyItem({ purchaseId: "a", status: "waiting_for_shop" });
  const b = historyItem({ purchaseId: "b" });
  const c = historyItem({ purchaseId: "c" });

  it("a refreshed first page updates rows in place and puts new ones on top", () => {
    const aDone = { ...a, status: "delivered" as const };
    const fresh = historyItem({ purchaseId: "new" });
    expect(mergeHistory([a, b, c], [fresh, aDone]).map((i) => [i.purchaseId, i.status])).toEqual([
      ["new", "delivered"],
      ["a", "delivered"],
      ["b", "delivered"],
      ["c", "delivered"],
    ]);
  });

  it("an older page is appended without repeating rows already shown", () => {
    expect(appendOlder([a, b], [b, c]).map((i) => i.purchaseId)).toEqual(["a", "b", "c"]);
  });
});

import { QuickPayError } from "@quickpay/protocol";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { ConfirmationView } from "../../shared/messages";
import { ConfirmView, type ConfirmViewProps } from "./ConfirmView";

const view: ConfirmationView = {
  id: "0190a000-0000-7000-8000-000000000001",
  vendorName: "The Daily Cent",
  vendorId: `v_${"b".repeat(32)}`,
  origin: "https://news.example",
  description: "City council votes to plant 1,000 trees",
  amount: { currency: "USD", value: "0.01" },
  paycard: { name: "Demo Bank", accountLabel: "Alice Demo ••0001" },
  expiresAt: "2025-03-05T14:15:00.000Z",
  status: "confirming",
  boughtBefore: null,
};
const render = (over: Partial<ConfirmViewProps> = {}) =>
  renderToStaticMarkup(
    <ConfirmView
      view={view}
      busy={undefined}
      error={undefined}
      expired={false}
      onAnswer={() => {}}
      onClose={() => {}}
      locale="en-GB"
      timeZone="UTC"
      {...over}
    />,
  );

describe("the confirmation window", () => {
  it("says who asks, for what, how much and which Paycard pays, with Pay and Decline", () => {
    const html = render();
    expect(html).toContain(">The Daily Cent</strong>");
    expect(html).toMatch(/data-testid="confirm-vendor-origin"[^>]*>https:\/\/news\.example</);
    expect(html).toMatch(/data-testid="confirm-amount">\$0\.01</);
    expect(html).toContain("Demo Bank · Alice Demo ••0001");
    expect(html).toMatch(/data-testid="approve"[^>]*>Pay \$0\.01</);
    expect(html).toContain('data-testid="decline"');
    expect(html).not.toContain("use-receipt");
  });

  it("offers the copy first when this was bought before, and paying again second", () => {
    const html = render({
      view: {
        ...view,
        boughtBefore: {
          purchaseId: "p-old",
          deliveredAt: "2025-03-01T09:30:00.000Z",
          amount: { currency: "USD", value: "0.01" },
          receiptUntil: "forever",
        },
      },
    });
    expect(html).toContain(
      'You bought this on <time dateTime="2025-03-01T09:30:00.000Z">1 Mar 2025, 09:30</time>',
    );
    expect(html).toMatch(
      /class="button button--primary[^"]*" data-testid="use-receipt"[^>]*>Open my copy \(no charge\)</,
    );
    expect(html).toMatch(/data-testid="approve"[^>]*>Pay again \$0\.01</);
    expect(html.indexOf("use-receipt")).toBeLessThan(html.indexOf('data-testid="approve"'));
  });

  it("says in words where an answered purchase stands, and offers only Close", () => {
    const html = render({ view: { ...view, status: "delivered" } });
    expect(html).toMatch(
      /data-testid="confirm-state" data-status="delivered"[^>]*><span[^>]*>You paid, and the shop handed it over\.</,
    );
    expect(html).not.toContain('data-testid="approve"');
  });

  it("shows an error in words with its code apart, and an expired order cannot be paid", () => {
    const html = render({ error: new QuickPayError("insufficient_funds", "0.00 < 0.01"), expired: true });
    expect(html).toMatch(/data-testid="confirm-error" data-error-code="insufficient_funds"/);
    expect(html).toContain("There is not enough money on your active Paycard for this.");
    expect(html).toContain('data-testid="confirm-expired"');
    expect(html).toMatch(/<button[^>]*data-testid="approve" disabled=""/);
  });
});

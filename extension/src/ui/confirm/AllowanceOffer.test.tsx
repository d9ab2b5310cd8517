import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { AllowanceView, ConfirmationView } from "../../shared/messages";
import { type AllowanceChoice, AllowanceOffer, allowanceChoices, allowanceLeftWords } from "./AllowanceOffer";

const view: ConfirmationView = {
  id: "0190a000-0000-7000-8000-000000000001",
  vendorName: "The Daily Cent",
  vendorId: `v_${"b".repeat(32)}`,
  origin: "https://news.example",
  description: "An article",
  amount: { currency: "USD", value: "0.01" },
  paycard: { name: "Demo Bank", accountLabel: "Alice" },
  paycardId: "pc-alice",
  paycards: [],
  expiresAt: "2025-03-05T14:15:00.000Z",
  status: "confirming",
  boughtBefore: null,
  allowance: { offer: true, current: null },
};
const off: AllowanceChoice = { on: false, limit: "0.10", period: "day" };
const render = (v: ConfirmationView, choice = off) =>
  renderToStaticMarkup(
    <AllowanceOffer view={v} choice={choice} disabled={false} onChange={() => {}} locale="en-US" />,
  );

const current: AllowanceView = {
  key: "v_x https://news.example",
  vendorId: "v_x",
  origin: "https://news.example",
  vendorName: "The Daily Cent",
  limit: { currency: "USD", value: "0.10" },
  period: "day",
  spent: { currency: "USD", value: "0.10" },
  left: { currency: "USD", value: "0.00" },
  renewsAt: "2025-03-06T00:00:00.000Z",
};

describe("the allowance offer", () => {
  it("offers 'Don't ask again on this shop: up to $0.10 per day', unticked, with labelled controls", () => {
    const html = render(view);
    expect(html).toContain("Don&#x27;t ask again on this shop");
    expect(html).toMatch(/data-testid="confirm-allowance-on"(?![^>]*checked)/);
    expect(html).toMatch(/<label for="allowance-amount">up to<\/label>/);
    expect(html).toMatch(/<option value="0.10" selected="">\$0\.10<\/option>/);
    expect(html).toMatch(/<option value="day" selected="">day<\/option>/);
    expect(html).toContain("from your active Paycard");
  });

  it("offers only limits at least the amount asked, and nothing for a regular order", () => {
    expect(allowanceChoices({ currency: "USD", value: "0.30" })).toEqual({
      choices: ["0.50", "1.00", "5.00"],
      preset: "0.50",
    });
    expect(allowanceChoices({ currency: "USD", value: "6" }).choices).toEqual([]);
    expect(render({ ...view, allowance: { offer: false, current: null } })).toBe("");
  });

  it("says when the request is past what the shop's allowance has left, instead of offering", () => {
    const html = render({ ...view, allowance: { offer: true, current } });
    expect(html).toContain('data-testid="confirm-allowance-exceeded"');
    expect(html).toContain("$0.00 left today of $0.10 per day");
    expect(html).not.toContain("confirm-allowance-on");
    expect(
      allowanceLeftWords({ ...current, period: "month", left: { currency: "USD", value: "0.5" } }, "en-US"),
    ).toBe("$0.50 left this month of $0.10 per month");
  });
});

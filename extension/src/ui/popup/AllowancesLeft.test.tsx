import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { AllowanceView } from "../../shared/messages";
import { AllowancesLeftView } from "./AllowancesLeftView";

const allowance: AllowanceView = {
  key: "v_x https://news.example",
  vendorId: "v_x",
  origin: "https://news.example",
  vendorName: "The Daily Cent",
  limit: { currency: "USD", value: "0.10" },
  period: "week",
  spent: { currency: "USD", value: "0.03" },
  left: { currency: "USD", value: "0.07" },
  renewsAt: "2025-03-10T00:00:00.000Z",
};

describe("the popup's allowances", () => {
  it("shows what each allowance has left, with a link to manage them", () => {
    const html = renderToStaticMarkup(<AllowancesLeftView allowances={[allowance]} locale="en-US" />);
    expect(html).toContain(">The Daily Cent<");
    expect(html).toMatch(/data-testid="popup-allowance-left">\$0\.07 left</);
    expect(html).toContain("of $0.10 per week");
    expect(html).toContain('href="options.html#allowances"');
    expect(html).toContain('aria-label="What each allowance has left"');
  });

  it("shows nothing when there is no allowance", () => {
    expect(renderToStaticMarkup(<AllowancesLeftView allowances={[]} />)).toBe("");
  });
});

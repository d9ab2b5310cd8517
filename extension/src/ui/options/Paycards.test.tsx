import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { PaycardView } from "../../shared/messages";
import { MakeActiveChoice } from "./MakeActiveChoice";
import { type ListedPaycard, PaycardList, removalNotice } from "./PaycardList";
import { afterRemoval, RemovePaycardDialog } from "./RemovePaycardDialog";

const alice: PaycardView = {
  paycardId: "p_alice",
  moduleId: "demo-bank",
  name: "Demo Bank",
  accountLabel: "Alice Demo ••0001",
  currency: "USD",
  color: "#1f6f5c",
  active: true,
};
const bob: PaycardView = { ...alice, paycardId: "p_bob", accountLabel: "Bob Demo ••0002", active: false };
const usd = (value: string) => ({ currency: "USD", value });
const ready = (c: PaycardView, available: string): ListedPaycard => ({
  ...c,
  brokerId: "b_1",
  brokerName: "Demo Bank Ltd",
  status: "ready",
  balance: { paycardId: c.paycardId, balance: usd(available), held: usd("0.00"), available: usd(available) },
});
const noop = () => {};

describe("the options page's Paycards", () => {
  it("shows each card's broker, balance and status; the active one marked, the other one click from it", () => {
    const html = renderToStaticMarkup(
      <PaycardList cards={[ready(alice, "4.99"), ready(bob, "0.50")]} onActivate={noop} onRemove={noop} />,
    );
    const rows = html.split('data-testid="paycard-item"').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('data-active="true"');
    expect(rows[0]).toContain('data-testid="paycard-active"');
    expect(rows[0]).not.toContain("paycard-activate");
    expect(rows[0]).toMatch(/data-testid="paycard-broker">Demo Bank Ltd</);
    expect(rows[0]).toMatch(/data-testid="paycard-status">Ready to pay</);
    expect(rows[0]).toMatch(/data-testid="paycard-balance"><strong>\$4\.99<\/strong>/);
    expect(rows[1]).toContain('data-active="false"');
    expect(rows[1]).toContain('aria-label="Make Demo Bank · Bob Demo ••0002 the active Paycard"');
    expect(rows[1]).toMatch(/data-testid="paycard-balance"><strong>\$0\.50<\/strong>/);
    // Every card can be removed, through a dialog.
    expect(html.match(/data-testid="paycard-remove"/g)).toHaveLength(2);
    expect(rows[1]).toContain('aria-label="Remove Demo Bank · Bob Demo ••0002"');
    expect(rows[1]).toContain('aria-haspopup="dialog"');
  });

  it("says in words when a bank is away or no longer takes a card, never a bare code", () => {
    const away: ListedPaycard = {
      ...bob,
      brokerId: "b_1",
      brokerName: "Demo Bank",
      status: "unavailable",
      balance: null,
      error: { code: "broker_unreachable", message: "fetch failed" },
    };
    const revoked: ListedPaycard = { ...away, paycardId: "p_x", status: "revoked", error: undefined };
    const loading: ListedPaycard = { ...alice };
    const html = renderToStaticMarkup(
      <PaycardList cards={[loading, away, revoked]} onActivate={noop} onRemove={noop} />,
    );
    expect(html).toContain("Checking…");
    expect(html).toContain("Bank not reachable");
    expect(html).toContain("Your bank could not be reached.");
    expect(html).not.toContain("broker_unreachable<");
    expect(html).not.toContain("fetch failed");
    expect(html).toContain("No longer accepted");
    expect(html).toContain("Demo Bank no longer accepts this Paycard. Remove it, then add it again");
    expect(html).toContain('data-status="revoked"');
  });

  it("asks whether a new card should pay, with nothing picked for the shopper", () => {
    const html = renderToStaticMarkup(
      <MakeActiveChoice
        name="make-active-demo-bank"
        current={alice}
        value={undefined}
        disabled={false}
        onChange={noop}
      />,
    );
    expect(html).toContain("<legend>Pay with the new Paycard?</legend>");
    expect(html).toContain("Yes, make it my active Paycard");
    expect(html).toContain("No, keep Demo Bank · Alice Demo ••0001 active");
    expect(html.match(/type="radio"/g)).toHaveLength(2);
    expect(html).not.toContain("checked");
    expect(html.match(/required/g)).toHaveLength(2);
  });

  it("the remove dialog names the card, says which one pays next, and starts on Cancel", () => {
    const html = renderToStaticMarkup(
      <RemovePaycardDialog
        card={alice}
        cards={[alice, bob]}
        busy={false}
        error={undefined}
        onCancel={noop}
        onConfirm={noop}
      />,
    );
    expect(html).toMatch(/<dialog[^>]*aria-labelledby="remove-title"[^>]*aria-describedby="remove-text"/);
    expect(html).toContain(">Remove Demo Bank · Alice Demo ••0001?</h2>");
    expect(html).toContain("Demo Bank · Bob Demo ••0002 will pay from now on.");
    expect(html).toContain("Your purchase history and receipts stay.");
    // Cancel comes first and is the one focused; Remove is never where focus starts.
    expect(html.indexOf('data-testid="remove-cancel"')).toBeLessThan(
      html.indexOf('data-testid="remove-confirm"'),
    );
  });

  it("words what a removal did to the active card", () => {
    expect(afterRemoval(bob, [alice, bob])).toBe("Your active Paycard stays as it is.");
    expect(afterRemoval(alice, [alice])).toMatch(/only Paycard/);
    expect(removalNotice({ removed: bob, active: alice, activeChanged: false })).toBe(
      "Removed Demo Bank · Bob Demo ••0002.",
    );
    expect(removalNotice({ removed: alice, active: { ...bob, active: true }, activeChanged: true })).toBe(
      "Removed Demo Bank · Alice Demo ••0001. Demo Bank · Bob Demo ••0002 is now your active Paycard.",
    );
    expect(removalNotice({ removed: alice, active: null, activeChanged: true })).toBe(
      "Removed Demo Bank · Alice Demo ••0001. You have no Paycard now: add one to pay at QuickPay shops.",
    );
  });
});

import { QuickPayError } from "@quickpay/protocol";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { PaycardView, WalletStatus } from "../../shared/messages";
import { historyItem } from "../shared/test-fixtures";
import { PopupView, type PopupViewProps } from "./PopupView";

const status: WalletStatus = {
  walletId: `w_${"a".repeat(32)}`,
  registered: true,
  hostUrl: "http://127.0.0.1:7700",
  outboxPending: 0,
};
const card: PaycardView = {
  paycardId: "p_1",
  moduleId: "demo-bank",
  name: "Demo Bank",
  accountLabel: "Alice Demo ••0001",
  currency: "USD",
  color: "#0a7",
  active: true,
};
const props = (over: Partial<PopupViewProps> = {}): PopupViewProps => ({
  status,
  active: card,
  balance: {
    paycardId: "p_1",
    balance: { currency: "USD", value: "5.00" },
    held: { currency: "USD", value: "0.01" },
    available: { currency: "USD", value: "4.99" },
  },
  balanceError: undefined,
  history: [historyItem()],
  loadError: undefined,
  onManagePaycards: () => {},
  onRetry: () => {},
  ...over,
});

describe("the popup", () => {
  it("shows the active Paycard, its balance, recent attempts and a link to all of them", () => {
    const html = renderToStaticMarkup(<PopupView {...props()} />);
    expect(html).toMatch(
      /data-testid="active-paycard"[^>]*><strong>Demo Bank<\/strong> · Alice Demo ••0001</,
    );
    expect(html).toMatch(/data-testid="balance">\$4\.99</);
    expect(html).toContain("$5.00 balance · $0.01 pending");
    expect(html).toContain('data-testid="order-item"');
    expect(html).toMatch(/href="options\.html#history"[^>]*data-testid="history-link"/);
    // In words for the shopper; the id only in an attribute, never as text on screen.
    expect(html).toContain(`data-wallet-id="${status.walletId}"`);
    expect(html).toContain(">Connected to QuickPay<");
    expect(html).not.toContain(`>${status.walletId}<`);
    expect(html).toContain('data-registered="true"');
  });

  it("shows a balance error in words with its code apart", () => {
    const html = renderToStaticMarkup(
      <PopupView {...props({ balanceError: new QuickPayError("broker_unreachable", "fetch failed") })} />,
    );
    expect(html).toMatch(/data-testid="balance-error" data-error-code="broker_unreachable"/);
    expect(html).toContain("Your bank could not be reached.");
    expect(html).not.toContain("fetch failed");
    expect(html).not.toContain('data-testid="balance"');
  });

  it("has empty and loading states, and hides the id until the host registered the wallet", () => {
    const empty = renderToStaticMarkup(
      <PopupView {...props({ active: null, history: [], status: { ...status, registered: false } })} />,
    );
    expect(empty).toContain('data-testid="no-paycard"');
    expect(empty).toContain('data-testid="history-empty"');
    expect(empty).not.toContain("history-link");
    expect(empty).toMatch(
      /data-testid="wallet-id" data-registered="false" data-wallet-id=""[^>]*>Setting up…</,
    );
    const loading = renderToStaticMarkup(<PopupView {...props({ active: undefined, history: undefined })} />);
    expect(loading).toContain('aria-busy="true"');
  });

  it("lists the other Paycards to switch to, each a labelled button, only when there are several", () => {
    const bob: PaycardView = { ...card, paycardId: "p_2", accountLabel: "Bob Demo ••0002", active: false };
    const html = renderToStaticMarkup(<PopupView {...props({ cards: [card, bob], onSwitch: () => {} })} />);
    expect(html).toContain('data-testid="paycard-switcher"');
    expect(html.match(/data-testid="paycard-switch"/g)).toHaveLength(1);
    expect(html).toContain(
      'data-testid="paycard-switch" data-paycard-id="p_2" aria-label="Pay with Demo Bank · Bob Demo ••0002"',
    );
    const one = renderToStaticMarkup(<PopupView {...props({ cards: [card], onSwitch: () => {} })} />);
    expect(one).not.toContain("paycard-switcher");
    const said = renderToStaticMarkup(
      <PopupView
        {...props({
          cards: [card, bob],
          onSwitch: () => {},
          switched: "Now paying with Demo Bank · Alice Demo ••0001.",
        })}
      />,
    );
    expect(said).toMatch(
      /role="status" data-testid="paycard-switched"><span class="notice-text">Now paying with Demo Bank · Alice Demo ••0001\.</,
    );
  });
});

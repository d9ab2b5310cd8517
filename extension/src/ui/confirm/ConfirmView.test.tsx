import { QuickPayError } from "@quickpay/protocol";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { ConfirmationView, PaycardOverview, PaycardView } from "../../shared/messages";
import { type CardChoice, ConfirmView, type ConfirmViewProps } from "./ConfirmView";
import { fundsFor } from "./funds";

const alice: PaycardView = {
  paycardId: "pc-alice",
  moduleId: "demo-bank",
  name: "Demo Bank",
  accountLabel: "Alice Demo ••0001",
  currency: "USD",
  color: "#0a7",
  active: true,
};
const carol: PaycardView = {
  ...alice,
  paycardId: "pc-carol",
  accountLabel: "Carol Demo ••0003",
  active: false,
};

function overview(
  card: PaycardView,
  available: string | null,
  over: Partial<PaycardOverview> = {},
): PaycardOverview {
  return {
    ...card,
    brokerId: `b_${"c".repeat(32)}`,
    brokerName: "Demo Bank",
    status: available === null ? "unavailable" : "ready",
    balance:
      available === null
        ? null
        : {
            paycardId: card.paycardId,
            balance: { currency: "USD", value: available },
            held: { currency: "USD", value: "0.00" },
            available: { currency: "USD", value: available },
          },
    ...(available === null ? { error: { code: "broker_unreachable", message: "connect ECONNREFUSED" } } : {}),
    ...over,
  };
}

const balances = (...cards: PaycardOverview[]) => new Map(cards.map((c) => [c.paycardId, c]));

function choice(over: Partial<CardChoice> = {}): CardChoice {
  return {
    overview: balances(overview(alice, "4.99")),
    overviewFailed: false,
    selected: alice.paycardId,
    makeActive: false,
    onSelect: () => {},
    onMakeActive: () => {},
    ...over,
  };
}

const view: ConfirmationView = {
  id: "0190a000-0000-7000-8000-000000000001",
  vendorName: "The Daily Cent",
  vendorId: `v_${"b".repeat(32)}`,
  origin: "https://news.example",
  description: "City council votes to plant 1,000 trees",
  amount: { currency: "USD", value: "0.01" },
  paycard: { name: "Demo Bank", accountLabel: "Alice Demo ••0001" },
  paycardId: alice.paycardId,
  paycards: [alice],
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
      card={choice()}
      locale="en-GB"
      timeZone="UTC"
      {...over}
    />,
  );

describe("the confirmation window", () => {
  it("says who asks, for what, how much and which Paycard pays with its balance, with Pay and Decline", () => {
    const html = render({ locale: "en-US" });
    expect(html).toContain(">The Daily Cent</strong>");
    expect(html).toMatch(/data-testid="confirm-vendor-origin"[^>]*>https:\/\/news\.example</);
    expect(html).toMatch(/data-testid="confirm-amount">\$0\.01</);
    expect(html).toMatch(
      /data-testid="confirm-paycard"><span class="card-name">Alice Demo ••0001<\/span><span class="card-detail">Demo Bank · <span[^>]*data-testid="confirm-balance">\$4\.99 available</,
    );
    expect(html).toContain('data-testid="confirm-verified"');
    expect(html).toMatch(/data-testid="approve"[^>]*>Pay \$0\.01</);
    expect(html).not.toMatch(/data-testid="approve"[^>]*disabled/);
    // One request alone: no count, no "Decline all", and no picker for a single card.
    expect(html).not.toContain("confirm-queue-position");
    expect(html).not.toContain("decline-all");
    expect(html).not.toContain("paycard-option");
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
    // Amounts in the shopper's locale: a British shopper reads US dollars as "US$".
    expect(html).toMatch(/data-testid="approve"[^>]*>Pay again US\$0\.01</);
    expect(html).toContain("You paid US$0.01.");
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

  it("counts the queue and offers to decline every request still waiting", () => {
    const html = render({ queue: { position: 2, total: 3, waiting: 2 }, onDeclineAll: () => {} });
    expect(html).toMatch(
      /<span class="visually-hidden">Payment request <\/span><span data-testid="confirm-queue-position">2 of 3</,
    );
    expect(html).toMatch(/data-testid="decline-all"[^>]*>Decline all 2 requests</);
    expect(html).toContain("Esc declines this request; closing the window declines all of them.");
    // The last one of the window: still counted, nothing left to decline "all" of.
    const last = render({ queue: { position: 3, total: 3, waiting: 1 }, onDeclineAll: () => {} });
    expect(last).toContain(">3 of 3<");
    expect(last).not.toContain("decline-all");
  });

  it("says before approval that the card cannot pay: Approve disabled with the reason, and the other card offered", () => {
    const html = render({
      locale: "en-US",
      view: { ...view, paycardId: carol.paycardId, paycards: [alice, carol] },
      card: choice({
        selected: carol.paycardId,
        overview: balances(overview(alice, "4.99"), overview(carol, "0.00")),
      }),
    });
    expect(html).toMatch(
      /<button[^>]*data-testid="approve" disabled=""[^>]*aria-describedby="confirm-funds"/,
    );
    expect(html).toMatch(
      /id="confirm-funds" data-testid="confirm-funds-short" data-reason-code="insufficient_funds"/,
    );
    expect(html).toContain(
      "Not enough money on Carol Demo ••0003: $0.00 available, this costs $0.01. Pick another Paycard or add money at Demo Bank.",
    );
    // The picker: both cards with what they have, Carol chosen, Alice able to pay.
    expect(html).toMatch(
      /data-testid="paycard-option" data-paycard-id="pc-alice" data-selected="false" data-funds="enough"/,
    );
    expect(html).toMatch(
      /data-testid="paycard-option" data-paycard-id="pc-carol" data-selected="true" data-funds="short"/,
    );
    expect(html).toMatch(/<input type="radio" name="paycard" checked="" value="pc-carol"\/>/);
    expect(html).toContain("$0.00 available · not enough");
    expect(html).toMatch(/Alice Demo ••0001<\/span>.*?<span class="card-active">Active<\/span>/);
    expect(html).toMatch(/data-testid="confirm-paycard"><span class="card-name">Carol Demo ••0003</);
    // Choosing a card is for this purchase; making it the active one is a separate, unticked choice.
    expect(html).toMatch(/<input type="checkbox" data-testid="confirm-make-active"\/>/);
  });

  it("with the other card picked, Approve pays and nothing warns", () => {
    const html = render({
      locale: "en-US",
      view: { ...view, paycardId: carol.paycardId, paycards: [alice, carol] },
      card: choice({
        selected: alice.paycardId,
        overview: balances(overview(alice, "4.99"), overview(carol, "0.00")),
      }),
    });
    expect(html).not.toMatch(/data-testid="approve"[^>]*disabled/);
    expect(html).not.toContain("confirm-funds-short");
    expect(html).not.toContain("confirm-make-active");
  });

  it("waits for the balance before offering Pay, and a bank that cannot be asked does not block paying", () => {
    const checking = render({ card: choice({ overview: undefined }) });
    expect(checking).toMatch(/<button[^>]*data-testid="approve" disabled=""/);
    expect(checking).toContain("Checking balance…");
    const away = render({ card: choice({ overview: balances(overview(alice, null)) }) });
    expect(away).not.toMatch(/data-testid="approve"[^>]*disabled/);
    expect(away).toContain("Balance not available");
    expect(away).toMatch(/data-testid="confirm-funds-unknown"[^>]*><span[^>]*>Demo Bank could not be asked/);
    const failed = render({ card: choice({ overview: undefined, overviewFailed: true }) });
    expect(failed).not.toMatch(/data-testid="approve"[^>]*disabled/);
  });
});

describe("fundsFor", () => {
  const cent = { currency: "USD", value: "0.01" };
  it("compares micro-units, never floats, and words sub-cent balances exactly", () => {
    expect(fundsFor(cent, overview(alice, "0.01")).state).toBe("enough");
    const short = fundsFor(cent, overview(alice, "0.009999"), { locale: "en-US" });
    expect(short).toMatchObject({ state: "short" });
    expect(short.state === "short" && short.words).toContain(": $0.009999 available, this costs $0.01.");
  });

  it("refuses a card of another currency or one its broker revoked, in words", () => {
    expect(fundsFor(cent, { ...overview(alice, "5.00"), currency: "EUR" })).toMatchObject({
      state: "unusable",
      code: "mismatch",
      words: "This Paycard pays in EUR; this payment is in USD. Pick another Paycard.",
    });
    expect(
      fundsFor(cent, {
        ...overview(alice, null),
        status: "revoked",
        error: { code: "unauthorized", message: "x" },
      }),
    ).toMatchObject({ state: "unusable", code: "unauthorized" });
  });
});

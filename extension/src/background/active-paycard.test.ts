import { QuickPayError } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { activate, activeCard, addCard, requireActive } from "./active-paycard";
import type { StoredPaycard } from "./db";

const card = (paycardId: string, active: boolean, addedAt: string): StoredPaycard => ({
  paycardId,
  moduleId: "demo-bank",
  accountLabel: paycardId,
  currency: "USD",
  active,
  addedAt,
});

const actives = (cards: StoredPaycard[]) => cards.filter((c) => c.active).map((c) => c.paycardId);

describe("active Paycard rules", () => {
  it("a freshly added card becomes the only active one", () => {
    const cards = addCard([card("p_a", true, "1")], card("p_b", false, "2"));
    expect(actives(cards)).toEqual(["p_b"]);
    expect(cards).toHaveLength(2);
  });

  it("re-adding a bound card replaces it instead of duplicating it", () => {
    const cards = addCard([card("p_a", false, "1"), card("p_b", true, "2")], card("p_a", false, "3"));
    expect(cards.map((c) => c.paycardId).sort()).toEqual(["p_a", "p_b"]);
    expect(actives(cards)).toEqual(["p_a"]);
  });

  it("switching makes exactly one card active", () => {
    const cards = activate([card("p_a", true, "1"), card("p_b", false, "2"), card("p_c", false, "3")], "p_c");
    expect(actives(cards)).toEqual(["p_c"]);
  });

  it("switching to an unknown card is refused and changes nothing", () => {
    const before = [card("p_a", true, "1")];
    expect(() => activate(before, "p_x")).toThrow(QuickPayError);
    expect(actives(before)).toEqual(["p_a"]);
  });

  it("a list without an active card falls back to the oldest card", () => {
    expect(activeCard([card("p_b", false, "2"), card("p_a", false, "1")])?.paycardId).toBe("p_a");
  });

  it("no Paycard at all is no_paycard", () => {
    try {
      requireActive([]);
      expect.unreachable();
    } catch (error) {
      expect((error as QuickPayError).code).toBe("no_paycard");
    }
  });
});

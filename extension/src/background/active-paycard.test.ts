import { QuickPayError } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { activate, activeCard, addCard, removeCard, requireActive } from "./active-paycard";
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
  it("a new card becomes active only when the shopper says so", () => {
    const made = addCard([card("p_a", true, "1")], card("p_b", false, "2"), true);
    expect(actives(made)).toEqual(["p_b"]);
    expect(made).toHaveLength(2);
    const kept = addCard([card("p_a", true, "1")], card("p_b", false, "2"), false);
    expect(actives(kept)).toEqual(["p_a"]);
    expect(kept).toHaveLength(2);
  });

  it("the first card is active whatever was answered", () => {
    expect(actives(addCard([], card("p_a", false, "1"), false))).toEqual(["p_a"]);
  });

  it("re-adding a bound card replaces it instead of duplicating it, and keeps it active if it was", () => {
    const cards = addCard([card("p_a", false, "1"), card("p_b", true, "2")], card("p_a", false, "3"), true);
    expect(cards.map((c) => c.paycardId).sort()).toEqual(["p_a", "p_b"]);
    expect(actives(cards)).toEqual(["p_a"]);
    const still = addCard([card("p_a", true, "1"), card("p_b", false, "2")], card("p_a", false, "3"), false);
    expect(actives(still)).toEqual(["p_a"]);
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

  it("removing the active card makes the oldest remaining one active and says so", () => {
    const r = removeCard([card("p_a", false, "1"), card("p_b", true, "2"), card("p_c", false, "3")], "p_b");
    expect(r.removed.paycardId).toBe("p_b");
    expect(r.cards.map((c) => c.paycardId)).toEqual(["p_a", "p_c"]);
    expect(actives(r.cards)).toEqual(["p_a"]);
    expect(r.active?.paycardId).toBe("p_a");
    expect(r.activeChanged).toBe(true);
  });

  it("removing another card leaves the active one as it is", () => {
    const r = removeCard([card("p_a", true, "1"), card("p_b", false, "2")], "p_b");
    expect(actives(r.cards)).toEqual(["p_a"]);
    expect(r.activeChanged).toBe(false);
  });

  it("removing the last card leaves none active; an unknown card is refused", () => {
    const r = removeCard([card("p_a", true, "1")], "p_a");
    expect(r.cards).toEqual([]);
    expect(r.active).toBeUndefined();
    expect(r.activeChanged).toBe(true);
    expect(() => removeCard([card("p_a", true, "1")], "p_x")).toThrow(QuickPayError);
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

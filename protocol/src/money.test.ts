import { describe, expect, it } from "vitest";
import { QuickPayError } from "./errors";
import { displayMoney, formatMoney, normalizeMoney, parseMoney, sameMoney } from "./money";

describe("money", () => {
  it("parses decimal strings into integer micro-units", () => {
    expect(parseMoney({ currency: "USD", value: "0.01" })).toEqual({ currency: "USD", micros: 10_000 });
    expect(parseMoney({ currency: "USD", value: "0.005" })).toEqual({ currency: "USD", micros: 5_000 });
    expect(parseMoney({ currency: "USD", value: "12" })).toEqual({ currency: "USD", micros: 12_000_000 });
    expect(parseMoney({ currency: "EUR", value: "0.000001" })).toEqual({ currency: "EUR", micros: 1 });
  });

  it("formats back without floats and normalises equal amounts to one string", () => {
    expect(formatMoney({ currency: "USD", micros: 10_000 })).toEqual({ currency: "USD", value: "0.01" });
    expect(formatMoney({ currency: "USD", micros: 5_000 })).toEqual({ currency: "USD", value: "0.005" });
    expect(formatMoney({ currency: "USD", micros: 0 })).toEqual({ currency: "USD", value: "0.00" });
    expect(normalizeMoney({ currency: "USD", value: "0.010" })).toEqual({ currency: "USD", value: "0.01" });
    expect(sameMoney({ currency: "USD", value: "0.1" }, { currency: "USD", value: "0.100000" })).toBe(true);
    expect(displayMoney({ currency: "USD", value: "0.01" })).toBe("$0.01");
  });

  it("refuses floats' shapes, negatives, too many decimals and bad currencies with invalid_request", () => {
    for (const value of ["-1", "1e-3", "0.0000001", "01", ".5", "1.", "NaN", ""]) {
      expect(() => parseMoney({ currency: "USD", value })).toThrow(QuickPayError);
    }
    expect(() => parseMoney({ currency: "usd", value: "1" })).toThrow(/currency/);
    try {
      parseMoney({ currency: "USD", value: "x" });
    } catch (e) {
      expect((e as QuickPayError).code).toBe("invalid_request");
    }
  });
});

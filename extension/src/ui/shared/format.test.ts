import { shopperWords } from "@quickpay/protocol/words";
import { describe, expect, it } from "vitest";
import { PurchaseStatus } from "../../shared/messages";
import {
  answeredText,
  formatAmount,
  formatDateTime,
  formatWhen,
  reasonFor,
  receiptWords,
  statusWords,
} from "./format";

describe("how a purchase is worded", () => {
  it("has a label in words for every status", () => {
    for (const status of PurchaseStatus.options) {
      expect(statusWords[status].label, status).toMatch(/^[A-Z][a-z]/);
      expect(statusWords[status].label, status).not.toContain("_");
    }
  });

  it("prefers the Wallet's reason, then the words for its code, then the status's own story", () => {
    expect(
      reasonFor({ status: "failed", reason: "The bank said no.", reasonCode: "insufficient_funds" }),
    ).toBe("The bank said no.");
    expect(reasonFor({ status: "failed", reasonCode: "insufficient_funds" })).toBe(
      shopperWords.insufficient_funds,
    );
    expect(reasonFor({ status: "waiting_for_shop" })).toBe(shopperWords.delivery_failed);
    expect(reasonFor({ status: "not_charged" })).toBe(shopperWords.not_charged);
    expect(reasonFor({ status: "delivered" })).toBeUndefined();
  });

  it("formats date and time in the given locale", () => {
    expect(formatDateTime("2025-03-05T14:05:00Z", "en-GB", "UTC")).toBe("5 Mar 2025, 14:05");
    expect(formatDateTime("2025-03-05T14:05:00Z", "en-US", "UTC")).toBe("Mar 5, 2025, 2:05 PM");
    expect(formatDateTime("not a date", "en-GB")).toBe("not a date");
  });

  it("says Today / Yesterday for recent rows, the full date otherwise", () => {
    const now = new Date("2025-03-05T20:00:00Z");
    expect(formatWhen("2025-03-05T14:05:00Z", "en-GB", "UTC", now)).toBe("Today, 14:05");
    expect(formatWhen("2025-03-04T23:59:00Z", "en-GB", "UTC", now)).toBe("Yesterday, 23:59");
    expect(formatWhen("2025-03-03T08:00:00Z", "en-GB", "UTC", now)).toBe("3 Mar 2025, 08:00");
    expect(formatWhen("2025-03-05T14:05:00Z", "de-DE", "UTC", now)).toBe("Heute, 14:05");
  });

  it("says what a receipt is good for", () => {
    expect(receiptWords("forever")).toMatch(/opens it again at no charge\.$/);
    expect(receiptWords("2025-04-05T14:05:00Z", "en-GB", "UTC")).toMatch(/until 5 Apr 2025, 14:05\.$/);
    expect(receiptWords(null)).toMatch(/no longer/);
    expect(receiptWords(undefined)).toBeUndefined();
  });

  it("says where an answered purchase stands", () => {
    expect(answeredText("confirming")).toBeUndefined();
    for (const status of PurchaseStatus.options.filter((s) => s !== "confirming")) {
      expect(answeredText(status), status).toMatch(/^[A-Z].*\.$/);
    }
  });
});

describe("formatAmount", () => {
  it("formats in the shopper's locale with Intl.NumberFormat, exactly, keeping sub-cent digits", () => {
    expect(formatAmount({ currency: "USD", value: "0.01" }, "en-US")).toBe("$0.01");
    expect(formatAmount({ currency: "USD", value: "4.99" }, "en-GB")).toBe("US$4.99");
    expect(formatAmount({ currency: "EUR", value: "1234.5" }, "de-DE")).toBe("1.234,50\u00a0€");
    expect(formatAmount({ currency: "USD", value: "0.005" }, "en-US")).toBe("$0.005");
    // The decimal string goes to Intl as a string: every micro-unit digit stays.
    expect(formatAmount({ currency: "USD", value: "1234567.891234" }, "en-US")).toBe("$1,234,567.891234");
    expect(formatAmount({ currency: "JPY", value: "500" }, "ja-JP")).toBe("￥500");
  });
});

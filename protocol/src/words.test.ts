import { describe, expect, it } from "vitest";
import { errorCodes } from "./errors";
import { shopperWords, wordsFor } from "./words";

describe("shopper words", () => {
  it("has a sentence for every error code a player may send", () => {
    const missing = errorCodes.filter((code) => !Object.hasOwn(shopperWords, code));
    expect(missing).toEqual([]);
  });

  it("never shows a bare code: each sentence is words, ending in a full stop", () => {
    for (const [code, text] of Object.entries(shopperWords)) {
      expect(text, code).not.toContain(code.includes("_") ? code : "\u0000");
      expect(text, code).toMatch(/^[A-Z].*[.]$/);
    }
  });

  it("gives a general sentence for a code it does not know", () => {
    expect(wordsFor("no_such_code")).toBe("Something went wrong. Please try again.");
    expect(wordsFor(undefined)).toBe("Something went wrong. Please try again.");
    expect(wordsFor("insufficient_funds")).toMatch(/not enough money/);
  });
});

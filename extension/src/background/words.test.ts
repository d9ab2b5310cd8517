import { QuickPayError, wordsFor } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import type { StoredPurchase } from "./db";
import { paycardNotAccepted, purchaseError, reasonOf, walletWords } from "./words";

type Outcome = Pick<StoredPurchase, "status" | "error" | "endorsement">;

const refusedByBroker: Outcome = {
  status: "failed",
  error: { code: "unauthorized", message: "Paycard p_1 is not bound to this wallet and credential" },
};

describe("a Paycard the broker no longer accepts (unauthorized)", () => {
  it("has its own sentence, naming the bank and the card when known", () => {
    expect(paycardNotAccepted()).toBe(
      "Your bank no longer accepts this Paycard. Remove it and add it again.",
    );
    expect(paycardNotAccepted({ bank: "Demo Bank" })).toBe(
      "Demo Bank no longer accepts this Paycard. Remove it and add it again.",
    );
    expect(paycardNotAccepted({ bank: "Demo Bank", card: "Alice Demo ••0001" })).toBe(
      "Demo Bank no longer accepts “Alice Demo ••0001”. Remove it and add it again.",
    );
    // Not the protocol's words for the code, which speak of the operator's permission.
    expect(paycardNotAccepted()).not.toBe(wordsFor("unauthorized"));
  });

  it("a purchase that failed at Inquiry Payment with unauthorized gives those words, the code beside them", () => {
    expect(reasonOf(refusedByBroker)).toEqual({
      reason: "Your bank no longer accepts this Paycard. Remove it and add it again.",
      reasonCode: "unauthorized",
    });
    expect(reasonOf(refusedByBroker, { bank: "Demo Bank" })?.reason).toBe(
      "Demo Bank no longer accepts this Paycard. Remove it and add it again.",
    );
    const error = purchaseError(refusedByBroker, { bank: "Demo Bank" });
    expect(error).toBeInstanceOf(QuickPayError);
    expect(error.code).toBe("unauthorized");
    expect(error.message).toBe(refusedByBroker.error!.message);
    expect(error.details).toMatchObject({
      reasonCode: "unauthorized",
      words: "Demo Bank no longer accepts this Paycard. Remove it and add it again.",
    });
  });

  it("other outcomes keep their words", () => {
    expect(reasonOf({ status: "failed", error: { code: "insufficient_funds", message: "x" } })?.reason).toBe(
      wordsFor("insufficient_funds"),
    );
    // After an endorsement, unauthorized is not the bank refusing the card: the shop's side failed.
    const endorsed = { ...refusedByBroker, endorsement: {} as StoredPurchase["endorsement"] };
    expect(reasonOf(endorsed)?.reason).toBe(walletWords.shopNeverAnswered);
    // Not charged (the shop refused for good): the protocol's words for the code.
    expect(reasonOf({ status: "not_charged", error: { code: "unauthorized", message: "x" } })?.reason).toBe(
      wordsFor("unauthorized"),
    );
  });
});

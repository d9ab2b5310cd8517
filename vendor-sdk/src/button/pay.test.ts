import type { PayResult, QuickPayProvider } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { DEFAULT_GET_WALLET_URL, describeOutcome, NO_WALLET, payForItem } from "./pay";

const delivered: PayResult = {
  status: "delivered",
  orderDigest: "a".repeat(64),
  description: "Article",
  amount: { currency: "USD", value: "0.01" },
  content: { mediaType: "text/html", body: "<p>hi</p>" },
};

/** A stand-in for the extension's provider, answering `pay` with a fixed result or error. */
function walletAnswering(answer: () => Promise<unknown>) {
  const calls: unknown[] = [];
  const wallet = {
    isQuickPay: true,
    info: { name: "Test", uuid: "u" },
    request: async (req: unknown) => {
      calls.push(req);
      return answer();
    },
  } as unknown as QuickPayProvider;
  return { wallet, calls };
}

describe("paying for an item", () => {
  it("asks the wallet to pay for the item and returns the delivery", async () => {
    const { wallet, calls } = walletAnswering(async () => delivered);
    const outcome = await payForItem(async () => wallet, "article-1");
    expect(calls).toEqual([{ method: "pay", params: { itemId: "article-1" } }]);
    expect(outcome).toEqual({ state: "delivered", result: delivered });
    expect(describeOutcome(outcome)).toEqual({ state: "delivered", text: "Paid $0.01 — thank you!" });
  });

  it("says no_wallet, with where to get one, when no wallet is found", async () => {
    const outcome = await payForItem(async () => undefined, "article-1");
    expect(outcome).toMatchObject({ state: "error", code: NO_WALLET });
    const view = describeOutcome(outcome, "https://shop.example/get-wallet");
    expect(view.text).toBe("No QuickPay Wallet found — get one at");
    expect(view.link).toEqual({
      href: "https://shop.example/get-wallet",
      text: "https://shop.example/get-wallet",
    });
    expect(view.after).toBe("(no_wallet)");
    expect(describeOutcome(outcome).link?.href).toBe(DEFAULT_GET_WALLET_URL);
  });

  it("shows the wallet's refusals in words, always with the code", async () => {
    const cases = [
      ["declined", "Payment declined (declined)"],
      [
        "not_a_vendor",
        "Your Wallet refused to pay: this site is not a registered QuickPay vendor (not_a_vendor)",
      ],
      ["insufficient_funds", "Not enough money on your active Paycard (insufficient_funds)"],
      ["something_new", "Payment failed: wallet says so (something_new)"],
    ] as const;
    for (const [code, text] of cases) {
      const { wallet } = walletAnswering(async () => Promise.reject({ code, message: "wallet says so" }));
      const outcome = await payForItem(async () => wallet, "article-1");
      expect(outcome).toEqual({ state: "error", code, message: "wallet says so" });
      expect(describeOutcome(outcome)).toEqual({ state: "error", text });
    }
  });

  it("treats a malformed answer or a thrown non-error as internal", async () => {
    const { wallet: odd } = walletAnswering(async () => ({
      ...delivered,
      content: { mediaType: "image/png", body: "" },
    }));
    expect(await payForItem(async () => odd, "x")).toMatchObject({ state: "error", code: "internal" });
    const { wallet: thrower } = walletAnswering(async () => Promise.reject("boom"));
    expect(await payForItem(async () => thrower, "x")).toEqual({
      state: "error",
      code: "internal",
      message: "boom",
    });
  });
});

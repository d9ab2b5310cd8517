import {
  type PayResult,
  PROGRESS_EVENT as protocolProgressEvent,
  type QuickPayProvider,
} from "@quickpay/protocol";
import { shopperWords } from "@quickpay/protocol/words";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_GET_WALLET_URL,
  describeOutcome,
  NO_WALLET,
  NOT_CHARGED_AFTER_WAITING,
  PROGRESS_EVENT,
  payForItem,
  progressView,
  restoredView,
  restoreItem,
} from "./pay";

const delivered: PayResult = {
  status: "delivered",
  orderDigest: "a".repeat(64),
  description: "Article",
  amount: { currency: "USD", value: "0.01" },
  content: { mediaType: "text/html", body: "<p>hi</p>" },
  deliveredAt: "2025-03-05T12:00:00.000Z",
};

/** A stand-in for the extension's provider, answering every request with `answer`. */
function walletAnswering(answer: (req: unknown) => Promise<unknown>) {
  const calls: unknown[] = [];
  const wallet = {
    isQuickPay: true,
    info: { name: "Test", uuid: "u" },
    request: async (req: unknown) => {
      calls.push(req);
      return answer(req);
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

  it("says in words that no Wallet was found, with a link to get one, and keeps the code apart", async () => {
    const outcome = await payForItem(async () => undefined, "article-1");
    expect(outcome).toMatchObject({ state: "error", code: NO_WALLET });
    const view = describeOutcome(outcome, { getWalletUrl: "https://shop.example/get-wallet" });
    expect(view).toEqual({
      state: "error",
      code: NO_WALLET,
      text: "No QuickPay Wallet was found in this browser.",
      link: { href: "https://shop.example/get-wallet", text: "Get a QuickPay Wallet" },
    });
    expect(describeOutcome(outcome).link?.href).toBe(DEFAULT_GET_WALLET_URL);
  });

  it("shows the wallet's refusals in the shopper's words, never with the code in the text", async () => {
    for (const code of ["declined", "not_a_vendor", "insufficient_funds", "broker_unreachable"] as const) {
      const { wallet } = walletAnswering(async () => Promise.reject({ code, message: "wallet says so" }));
      const outcome = await payForItem(async () => wallet, "article-1");
      expect(outcome).toEqual({ state: "error", code, message: "wallet says so" });
      const view = describeOutcome(outcome);
      expect(view).toEqual({ state: "error", code, text: shopperWords[code] });
      expect(view.text).not.toMatch(/[()]|_|wallet says so/); // no "(code)", no snake_case, no raw message
    }
    const { wallet } = walletAnswering(async () => Promise.reject({ code: "something_new", message: "x" }));
    expect(describeOutcome(await payForItem(async () => wallet, "a"))).toEqual({
      state: "error",
      code: "something_new",
      text: "Something went wrong. Please try again.",
    });
  });

  it("reads a purchase that ended uncharged after the money was held as 'Not charged: …'", () => {
    const notCharged = { state: "error", code: "not_charged", message: "m" } as const;
    const expired = { state: "error", code: "order_expired", message: "m" } as const;
    expect(describeOutcome(notCharged).text).toBe(NOT_CHARGED_AFTER_WAITING);
    expect(describeOutcome(expired, { waited: true })).toEqual({
      state: "error",
      code: "order_expired",
      text: NOT_CHARGED_AFTER_WAITING,
    });
    expect(NOT_CHARGED_AFTER_WAITING).toMatch(/^Not charged: /);
    // Expired while the shopper was still deciding: the ordinary sentence.
    expect(describeOutcome(expired).text).toBe(shopperWords.order_expired);
    // The QuickPay Wallet's page code for it (page-codes.ts maps not_charged onto `internal`).
    const internal = { state: "error", code: "internal", message: "m" } as const;
    expect(describeOutcome(internal, { waited: true }).text).toBe(NOT_CHARGED_AFTER_WAITING);
    expect(describeOutcome(internal).text).toBe(shopperWords.internal);
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

  it("says when a paid purchase was answered from a receipt instead", async () => {
    const restored = { ...delivered, status: "restored" as const };
    const { wallet } = walletAnswering(async () => restored);
    const outcome = await payForItem(async () => wallet, "article-1");
    expect(describeOutcome(outcome, { locale: "en-US" })).toEqual({
      state: "delivered",
      text: "Bought on Mar 5, 2025 — here it is again",
    });
  });
});

describe("restoring a bought item", () => {
  it("asks the wallet to restore the item and takes a good result", async () => {
    const restored = { ...delivered, status: "restored" as const };
    const { wallet, calls } = walletAnswering(async () => restored);
    expect(await restoreItem(wallet, "article-1")).toEqual(restored);
    expect(calls).toEqual([{ method: "restore", params: { itemId: "article-1" } }]);
  });

  it("gives null for no receipt, a refusal, an old Wallet or a malformed answer", async () => {
    for (const answer of [
      async () => null,
      async () => Promise.reject({ code: "receipt_expired", message: "gone" }),
      async () => Promise.reject({ code: "invalid_request", message: "unknown method" }),
      async () => ({ status: "restored" }),
    ]) {
      expect(await restoreItem(walletAnswering(answer).wallet, "article-1")).toBeNull();
    }
  });

  it("words the restored status with the date it was first delivered", () => {
    const restored = { ...delivered, status: "restored" as const };
    expect(restoredView(restored, "en-GB").text).toBe("Bought on 5 Mar 2025 — here it is again");
    expect(restoredView({ ...restored, deliveredAt: "not a date" }).text).toBe("Bought — here it is again");
  });
});

describe("progress", () => {
  it("listens for the protocol's progress event", () => {
    expect(PROGRESS_EVENT).toBe(protocolProgressEvent);
  });

  it("words every progress state, tagged for data-progress", () => {
    expect(progressView("confirming")).toEqual({
      state: "paying",
      progress: "confirming",
      text: "Confirm in your QuickPay Wallet…",
    });
    expect(progressView("paying")?.text).toBe("Paying…");
    expect(progressView("waiting_for_shop")?.text).toBe("Paid — waiting for the shop to hand it over…");
    expect(progressView("something_else")).toBeUndefined();
    expect(progressView(undefined)).toBeUndefined();
  });
});

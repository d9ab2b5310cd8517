import { type PayResult, QuickPayError, type WalletInfo } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { WalletUnreachable } from "../shared/reply";
import { handlePageRequest, type WalletPort } from "./bridge";

const result: PayResult = {
  status: "delivered",
  orderDigest: "a".repeat(64),
  description: "Article",
  amount: { currency: "USD", value: "0.01" },
  content: { mediaType: "text/html", body: "<p>hi</p>" },
};

function port(awaitOutcomes: Array<PayResult | Error>) {
  const calls: string[] = [];
  const wallet: WalletPort = {
    getInfo: async (): Promise<WalletInfo> => ({ name: "QuickPay Wallet", version: "0.1.0", walletId: null }),
    startPay: async (itemId) => {
      calls.push(`start:${itemId}`);
      return { purchaseId: "purchase-0123456789" };
    },
    awaitPay: async (purchaseId) => {
      calls.push(`await:${purchaseId}`);
      const next = awaitOutcomes.shift();
      if (!next) throw new Error("no more outcomes");
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return { wallet, calls };
}

describe("handlePageRequest", () => {
  it("refuses malformed page requests before anything reaches the service worker", async () => {
    const { wallet, calls } = port([]);
    for (const bad of [
      null,
      { method: "steal" },
      { method: "pay", params: { itemId: "../x y" } },
      { method: "pay" },
    ]) {
      await expect(handlePageRequest(bad, wallet)).rejects.toMatchObject({ code: "invalid_request" });
    }
    expect(calls).toEqual([]);
  });

  it("pays: starts the purchase, then waits for it", async () => {
    const { wallet, calls } = port([result]);
    await expect(
      handlePageRequest({ method: "pay", params: { itemId: "article-1" } }, wallet),
    ).resolves.toEqual(result);
    expect(calls).toEqual(["start:article-1", "await:purchase-0123456789"]);
  });

  it("asks again when the service worker went away mid-wait", async () => {
    const { wallet, calls } = port([
      new Error("The message port closed before a response was received."),
      result,
    ]);
    await expect(handlePageRequest({ method: "pay", params: { itemId: "a" } }, wallet)).resolves.toEqual(
      result,
    );
    expect(calls.filter((c) => c.startsWith("await"))).toHaveLength(2);
  });

  it("asks again when no reply came back at all (the polyfill resolves a closed port to nothing)", async () => {
    const { wallet, calls } = port([
      new WalletUnreachable('no reply from the Wallet to "page.awaitPay"'),
      result,
    ]);
    await expect(handlePageRequest({ method: "pay", params: { itemId: "a" } }, wallet)).resolves.toEqual(
      result,
    );
    expect(calls.filter((c) => c.startsWith("await"))).toHaveLength(2);
  });

  it("passes the purchase's own error (declined) to the page without retrying", async () => {
    const { wallet, calls } = port([new QuickPayError("declined", "declined by the user"), result]);
    await expect(handlePageRequest({ method: "pay", params: { itemId: "a" } }, wallet)).rejects.toMatchObject(
      {
        code: "declined",
      },
    );
    expect(calls.filter((c) => c.startsWith("await"))).toHaveLength(1);
  });
});

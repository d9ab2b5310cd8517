import {
  type PayProgress,
  type PayResult,
  QuickPayError,
  type WalletInfo,
  wordsFor,
} from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { WalletUnreachable } from "../shared/reply";
import { handlePageRequest, type WalletPort } from "./bridge";

const result: PayResult = {
  status: "delivered",
  orderDigest: "a".repeat(64),
  description: "Article",
  amount: { currency: "USD", value: "0.01" },
  content: { mediaType: "text/html", body: "<p>hi</p>" },
  deliveredAt: "2026-12-02T10:00:00.000Z",
};

const progress = (state: PayProgress["state"]): { progress: PayProgress } => ({
  progress: { state, message: `now ${state}` },
});

type AwaitAnswer = Awaited<ReturnType<WalletPort["awaitPay"]>>;

function port(awaitOutcomes: Array<AwaitAnswer | Error>) {
  const calls: string[] = [];
  const wallet: WalletPort = {
    getInfo: async (): Promise<WalletInfo> => ({ name: "QuickPay Wallet", version: "0.1.0", walletId: null }),
    startPay: async (itemId) => {
      calls.push(`start:${itemId}`);
      return { purchaseId: "purchase-0123456789" };
    },
    awaitPay: async (purchaseId, after) => {
      calls.push(`await:${purchaseId}:${after ?? "-"}`);
      const next = awaitOutcomes.shift();
      if (!next) throw new Error("no more outcomes");
      if (next instanceof Error) throw next;
      return next;
    },
    restore: async (itemId) => {
      calls.push(`restore:${itemId}`);
      return itemId === "bought" ? { ...result, status: "restored" } : null;
    },
  };
  return { wallet, calls };
}

const pay = { method: "pay", params: { itemId: "article-1" } };

describe("handlePageRequest", () => {
  it("refuses malformed page requests before anything reaches the service worker, in words", async () => {
    const { wallet, calls } = port([]);
    for (const bad of [
      null,
      { method: "steal" },
      { method: "pay", params: { itemId: "../x y" } },
      { method: "pay" },
      { method: "restore", params: {} },
    ]) {
      await expect(handlePageRequest(bad, wallet)).rejects.toMatchObject({
        code: "invalid_request",
        message: wordsFor("invalid_request"),
      });
    }
    expect(calls).toEqual([]);
  });

  it("pays: starts the purchase, then waits for it", async () => {
    const { wallet, calls } = port([{ result }]);
    await expect(handlePageRequest(pay, wallet)).resolves.toEqual(result);
    expect(calls).toEqual(["start:article-1", "await:purchase-0123456789:-"]);
  });

  it("relays each new progress state once, asking again after the one it has", async () => {
    const { wallet, calls } = port([
      progress("confirming"),
      progress("paying"),
      progress("paying"), // the worker's poll ran out with no change: not news
      progress("waiting_for_shop"),
      { result },
    ]);
    const seen: PayProgress[] = [];
    await expect(handlePageRequest(pay, wallet, (p) => seen.push(p))).resolves.toEqual(result);
    expect(seen.map((p) => p.state)).toEqual(["confirming", "paying", "waiting_for_shop"]);
    expect(calls.filter((c) => c.startsWith("await"))).toEqual([
      "await:purchase-0123456789:-",
      "await:purchase-0123456789:confirming",
      "await:purchase-0123456789:paying",
      "await:purchase-0123456789:paying",
      "await:purchase-0123456789:waiting_for_shop",
    ]);
  });

  it("asks again when the service worker went away mid-wait, keeping the progress it had", async () => {
    const { wallet, calls } = port([
      progress("paying"),
      new Error("The message port closed before a response was received."),
      { result },
    ]);
    await expect(handlePageRequest(pay, wallet)).resolves.toEqual(result);
    expect(calls.filter((c) => c.startsWith("await"))).toEqual([
      "await:purchase-0123456789:-",
      "await:purchase-0123456789:paying",
      "await:purchase-0123456789:paying",
    ]);
  });

  it("asks again when no reply came back at all (the polyfill resolves a closed port to nothing)", async () => {
    const { wallet, calls } = port([
      new WalletUnreachable('no reply from the Wallet to "page.awaitPay"'),
      { result },
    ]);
    await expect(handlePageRequest(pay, wallet)).resolves.toEqual(result);
    expect(calls.filter((c) => c.startsWith("await"))).toHaveLength(2);
  });

  it("gives up after five unanswered asks in a row, but any answer resets the count", async () => {
    const gone = () => new WalletUnreachable("no reply");
    const { wallet } = port([
      ...Array.from({ length: 5 }, gone),
      progress("paying"),
      ...Array.from({ length: 5 }, gone),
      { result },
    ]);
    await expect(handlePageRequest(pay, wallet)).resolves.toEqual(result);
    const { wallet: dead } = port(Array.from({ length: 6 }, gone));
    await expect(handlePageRequest(pay, dead)).rejects.toBeInstanceOf(WalletUnreachable);
  });

  it("passes the purchase's own error (declined) to the page without retrying", async () => {
    const { wallet, calls } = port([new QuickPayError("declined", wordsFor("declined")), { result }]);
    await expect(handlePageRequest(pay, wallet)).rejects.toMatchObject({ code: "declined" });
    expect(calls.filter((c) => c.startsWith("await"))).toHaveLength(1);
  });

  it("restores through the worker: the goods, or null", async () => {
    const { wallet, calls } = port([]);
    await expect(
      handlePageRequest({ method: "restore", params: { itemId: "bought" } }, wallet),
    ).resolves.toMatchObject({ status: "restored" });
    await expect(
      handlePageRequest({ method: "restore", params: { itemId: "other" } }, wallet),
    ).resolves.toBeNull();
    expect(calls).toEqual(["restore:bought", "restore:other"]);
  });
});

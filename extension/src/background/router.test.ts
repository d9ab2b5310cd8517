import { describe, expect, it } from "vitest";
import type { WalletHandlers } from "../shared/messages";
import { routeWalletMessage } from "./router";

const calls: string[] = [];
const handlers = {
  "page.getInfo": async () => ({ name: "QuickPay Wallet", version: "0.1.0", walletId: null }),
  "page.startPay": async ({ itemId }) => {
    calls.push(itemId);
    return { purchaseId: "AAAAAAAAAAAAAAAAAAAAAA" };
  },
  "page.awaitPay": async () => {
    throw new Error("not in this test");
  },
  "wallet.status": async () => ({ walletId: null, registered: false, hostUrl: "http://h", outboxPending: 0 }),
  "confirm.get": async () => {
    throw new Error("not in this test");
  },
  "confirm.decide": async () => ({ ok: true as const }),
  "paycards.list": async () => ({ paycards: [], modules: [] }),
  "paycards.setActive": async () => ({ ok: true as const }),
  "paycards.beginAdd": async () => {
    throw new Error("not in this test");
  },
  "paycards.answer": async () => {
    throw new Error("not in this test");
  },
  "paycards.balance": async () => null,
  // A handler returning something its result schema refuses: the router must not pass it on.
  "orders.recent": async () => ({ orders: "nope" }) as never,
} satisfies WalletHandlers;

const page = { kind: "page" as const, origin: "http://127.0.0.1:9" };
const ui = { kind: "ui" as const };

describe("routeWalletMessage", () => {
  it("runs a declared message with valid params from an allowed sender", async () => {
    const reply = await routeWalletMessage(
      handlers,
      { quickpay: 1, name: "page.startPay", params: { itemId: "a-1" } },
      page,
    );
    expect(reply).toEqual({ ok: true, result: { purchaseId: "AAAAAAAAAAAAAAAAAAAAAA" } });
    expect(calls).toEqual(["a-1"]);
  });

  it.each([
    ["not a frame", "hello", page],
    ["an unknown message", { quickpay: 1, name: "page.steal", params: {} }, page],
    ["bad params", { quickpay: 1, name: "page.startPay", params: { itemId: "<script>" } }, page],
    ["extra params", { quickpay: 1, name: "page.startPay", params: { itemId: "a", origin: "x" } }, page],
  ])("refuses %s with invalid_request and runs nothing", async (_what, raw, sender) => {
    calls.length = 0;
    const reply = await routeWalletMessage(handlers, raw, sender);
    expect(reply.ok).toBe(false);
    expect(!reply.ok && reply.error.code).toBe("invalid_request");
    expect(calls).toEqual([]);
  });

  it("refuses a Wallet-page message sent from a web page (a page cannot approve its own payment)", async () => {
    const reply = await routeWalletMessage(
      handlers,
      { quickpay: 1, name: "confirm.decide", params: { id: "AAAAAAAAAAAAAAAAAAAAAA", approve: true } },
      page,
    );
    expect(reply).toMatchObject({ ok: false, error: { code: "forbidden" } });
  });

  it("refuses a page message sent from a Wallet page", async () => {
    const reply = await routeWalletMessage(handlers, { quickpay: 1, name: "page.getInfo", params: {} }, ui);
    expect(reply).toMatchObject({ ok: false, error: { code: "forbidden" } });
  });

  it("never passes on a result that does not match its declared schema", async () => {
    const reply = await routeWalletMessage(handlers, { quickpay: 1, name: "orders.recent", params: {} }, ui);
    expect(reply).toMatchObject({ ok: false, error: { code: "internal" } });
  });
});

import { QuickPayError, wordsFor } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import type { WalletHandlers } from "../shared/messages";
import { routeWalletMessage } from "./router";

const calls: string[] = [];
const lockStatus = { enabled: false, locked: false, autoLockMinutes: 15 };
const handlers = {
  "page.getInfo": async () => ({ name: "QuickPay Wallet", version: "0.1.0", walletId: null }),
  "page.startPay": async ({ itemId }) => {
    calls.push(itemId);
    return { purchaseId: "AAAAAAAAAAAAAAAAAAAAAA" };
  },
  "page.awaitPay": async () => {
    throw new QuickPayError("not_charged", "vendor refused: not_found", {
      reasonCode: "not_found",
      words: "Nothing was charged. This item is not for sale.",
    });
  },
  "page.restore": async () => {
    throw new QuickPayError(
      "vendor_unreachable",
      "could not reach vendor at http://127.0.0.1:9: ECONNREFUSED",
    );
  },
  "wallet.status": async () => ({ walletId: null, registered: false, hostUrl: "http://h", outboxPending: 0 }),
  "confirm.get": async () => {
    throw new Error("not in this test");
  },
  "confirm.decide": async () => ({ ok: true as const }),
  "confirm.useReceipt": async () => ({ ok: true as const }),
  "confirm.queue": async () => ({ ids: [], version: "" }),
  "confirm.next": async () => ({ next: null }),
  "confirm.declineAll": async () => ({ ok: true as const }),
  "paycards.list": async () => ({ paycards: [], modules: [] }),
  "paycards.setActive": async () => ({ ok: true as const }),
  "paycards.beginAdd": async () => {
    throw new Error("not in this test");
  },
  "paycards.answer": async () => {
    throw new Error("not in this test");
  },
  "paycards.balance": async () => null,
  "paycards.overview": async () => ({ paycards: [] }),
  "paycards.remove": async () => {
    calls.push("paycards.remove");
    throw new Error("not in this test");
  },
  // A handler returning something its result schema refuses: the router must not pass it on.
  "history.page": async () => ({ items: "nope", next: null }) as never,
  "inbox.list": async () => ({ messages: [], unread: 0, checkedAt: null }),
  "inbox.refresh": async () => ({ messages: [], unread: 0, checkedAt: null }),
  "inbox.markRead": async () => ({ unread: 0 }),
  "allowances.list": async () => ({ allowances: [] }),
  "allowances.update": async () => {
    calls.push("allowances.update");
    throw new Error("not in this test");
  },
  "allowances.revoke": async () => {
    calls.push("allowances.revoke");
    return { ok: true as const };
  },
  "lock.status": async () => lockStatus,
  "lock.unlock": async () => lockStatus,
  "lock.lock": async () => lockStatus,
  "lock.setPassword": async () => lockStatus,
  "lock.changePassword": async () => lockStatus,
  "lock.removePassword": async () => lockStatus,
  "lock.setAutoLock": async () => lockStatus,
  "backup.export": async () => {
    throw new Error("not in this test");
  },
  "backup.restore": async () => {
    throw new Error("not in this test");
  },
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

  it.each([
    ["paycards.remove", { paycardId: "p_1" }],
    ["paycards.setActive", { paycardId: "p_1" }],
    ["paycards.overview", {}],
  ])("refuses %s from a web page: only the Wallet's own pages manage Paycards", async (name, params) => {
    calls.length = 0;
    const reply = await routeWalletMessage(handlers, { quickpay: 1, name, params }, page);
    expect(reply).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(calls).toEqual([]);
  });

  it("refuses a page message sent from a Wallet page", async () => {
    const reply = await routeWalletMessage(handlers, { quickpay: 1, name: "page.getInfo", params: {} }, ui);
    expect(reply).toMatchObject({ ok: false, error: { code: "forbidden" } });
  });

  it("never passes on a result that does not match its declared schema", async () => {
    const reply = await routeWalletMessage(handlers, { quickpay: 1, name: "history.page", params: {} }, ui);
    expect(reply).toMatchObject({ ok: false, error: { code: "internal" } });
  });

  it("gives a page the shopper's words as the message, the code beside them, the technical message in details", async () => {
    const unreachable = await routeWalletMessage(
      handlers,
      { quickpay: 1, name: "page.restore", params: { itemId: "a-1" } },
      page,
    );
    expect(unreachable).toEqual({
      ok: false,
      error: {
        code: "vendor_unreachable",
        message: wordsFor("vendor_unreachable"),
        details: { technical: "could not reach vendor at http://127.0.0.1:9: ECONNREFUSED" },
      },
    });
    const refused = await routeWalletMessage(
      handlers,
      { quickpay: 1, name: "page.awaitPay", params: { purchaseId: "AAAAAAAAAAAAAAAAAAAAAA" } },
      page,
    );
    expect(refused).toEqual({
      ok: false,
      error: {
        code: "not_charged",
        message: "Nothing was charged. This item is not for sale.",
        details: { reasonCode: "not_found", technical: "vendor refused: not_found" },
      },
    });
    const bad = await routeWalletMessage(handlers, { quickpay: 1, name: "page.steal", params: {} }, page);
    expect(bad).toMatchObject({
      ok: false,
      error: { code: "invalid_request", message: wordsFor("invalid_request") },
    });
  });

  it("keeps the technical message for the Wallet's own pages", async () => {
    const reply = await routeWalletMessage(handlers, { quickpay: 1, name: "page.steal", params: {} }, ui);
    expect(reply).toEqual({
      ok: false,
      error: { code: "invalid_request", message: 'unknown message "page.steal"' },
    });
  });
});

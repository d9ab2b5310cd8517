import { describe, expect, it } from "vitest";
import { errorCodes } from "./errors";
import {
  discoveryEvents,
  isPageErrorCode,
  PageRequest,
  pageErrorCodes,
  pageMethodNames,
  pageMethods,
  toPageErrorCode,
  WalletEnvelope,
} from "./page-api";
import { shopperWords } from "./words";

describe("the page API declaration", () => {
  it("derives the request schema from pageMethods: each method, its params, nothing else", () => {
    expect(pageMethodNames).toEqual(Object.keys(pageMethods));
    expect(PageRequest.safeParse({ method: "getInfo" }).success).toBe(true);
    expect(PageRequest.safeParse({ method: "getInfo", params: {} }).success).toBe(true);
    expect(PageRequest.safeParse({ method: "pay", params: { itemId: "article-1" } }).success).toBe(true);
    expect(PageRequest.safeParse({ method: "restore", params: { itemId: "a" } }).success).toBe(true);
    for (const bad of [
      { method: "pay" },
      { method: "pay", params: { itemId: "a b" } },
      { method: "pay", params: { itemId: "a", amount: "9" } },
      { method: "getInfo", params: { walletId: true } },
      { method: "approve", params: {} },
      { method: "pay", params: { itemId: "a" }, origin: "https://elsewhere" },
    ]) {
      expect(PageRequest.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("keeps the discovery event names stable", () => {
    expect(discoveryEvents).toEqual({
      request: "quickpay:requestProvider",
      announce: "quickpay:announceProvider",
      initialized: "quickpay#initialized",
    });
  });
});

describe("page errors", () => {
  it("are the small set of the issue, each with the shopper's words", () => {
    expect([...pageErrorCodes].sort()).toEqual(
      [
        "broker_unavailable",
        "declined",
        "insufficient_funds",
        "internal",
        "locked",
        "no_paycard",
        "not_a_vendor",
      ].sort(),
    );
    for (const code of pageErrorCodes) expect(shopperWords, code).toHaveProperty(code);
  });

  it("maps every internal code onto the set in one place, unknown ones to internal", () => {
    expect(toPageErrorCode("declined")).toBe("declined");
    expect(toPageErrorCode("rate_limited")).toBe("declined");
    expect(toPageErrorCode("not_a_vendor")).toBe("not_a_vendor");
    expect(toPageErrorCode("origin_not_proven")).toBe("not_a_vendor");
    expect(toPageErrorCode("insufficient_funds")).toBe("insufficient_funds");
    expect(toPageErrorCode("wallet_locked")).toBe("locked");
    expect(toPageErrorCode("no_paycard")).toBe("no_paycard");
    expect(toPageErrorCode("broker_unreachable")).toBe("broker_unavailable");
    for (const code of [
      "invalid_request",
      "not_charged",
      "vendor_unreachable",
      "bad_signature",
      "order_expired",
    ]) {
      expect(toPageErrorCode(code), code).toBe("internal");
    }
    expect(toPageErrorCode("toString")).toBe("internal");
    expect(toPageErrorCode(undefined)).toBe("internal");
    for (const code of errorCodes) expect(isPageErrorCode(toPageErrorCode(code))).toBe(true);
    for (const code of pageErrorCodes) expect(toPageErrorCode(code)).toBe(code);
  });

  it("the Wallet's reply envelope carries only codes of the set", () => {
    const reply = { channel: "quickpay:wallet-response", requestId: "r".repeat(16) };
    expect(WalletEnvelope.safeParse({ ...reply, error: { code: "locked", message: "m" } }).success).toBe(
      true,
    );
    expect(
      WalletEnvelope.safeParse({ ...reply, error: { code: "wallet_locked", message: "m" } }).success,
    ).toBe(false);
  });
});

import { QuickPayError } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { decodeWalletReply, WalletUnreachable } from "./reply";

describe("decodeWalletReply", () => {
  it("returns the validated result", () => {
    expect(decodeWalletReply("confirm.decide", { ok: true, result: { ok: true } })).toEqual({ ok: true });
  });

  it("turns the Wallet's refusal into a QuickPayError with its code and details", () => {
    const refusal = {
      ok: false,
      error: { code: "wrong_answer", message: "no such account", details: { attemptsLeft: 2 } },
    };
    let caught: unknown;
    try {
      decodeWalletReply("paycards.answer", refusal);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(QuickPayError);
    expect(caught).toMatchObject({ code: "wrong_answer", message: "no such account" });
  });

  it("treats no reply (the polyfill's answer when the worker died holding the message) as unreachable, not an outcome", () => {
    for (const nothing of [undefined, null, "x", { result: 1 }]) {
      let caught: unknown;
      try {
        decodeWalletReply("page.awaitPay", nothing);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(WalletUnreachable);
      expect(caught).not.toBeInstanceOf(QuickPayError);
    }
  });

  it("refuses a result that does not match the message map", () => {
    expect(() => decodeWalletReply("confirm.decide", { ok: true, result: { ok: "yes" } })).toThrow();
  });
});

import { QuickPayError } from "@quickpay/protocol";
import { shopperWords } from "@quickpay/protocol/words";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { WalletUnreachable } from "../../shared/reply";
import { ErrorMessage, errorCode, errorText } from "./mount";

describe("errors as a person reads them", () => {
  it("uses the words for the code, never the code or the developer's message", () => {
    const e = new QuickPayError("insufficient_funds", "available 0.00 < 0.01");
    expect(errorText(e)).toBe(shopperWords.insufficient_funds);
    expect(errorText(e)).not.toMatch(/insufficient_funds|0\.00|\(/);
    expect(errorCode(e)).toBe("insufficient_funds");
  });

  it("adds the attempts left", () => {
    const e = (left: number) => new QuickPayError("wrong_answer", "nope", { attemptsLeft: left });
    expect(errorText(e(2))).toBe("Those answers do not match an account. 2 attempts left.");
    expect(errorText(e(1))).toBe("Those answers do not match an account. 1 attempt left.");
    expect(errorText(e(0))).toBe("Those answers do not match an account. No attempts left.");
  });

  it("adds when to try again, whichever shape the cool-down comes in", () => {
    const now = new Date("2025-03-05T12:00:00Z");
    const e = (details: unknown) => errorText(new QuickPayError("too_many_attempts", "x", details), now);
    const words = shopperWords.too_many_attempts;
    expect(e({ retryAfterMs: 15 * 60_000 })).toBe(`${words} Try again in 15 minutes.`);
    expect(e({ retryAfterSeconds: 30 })).toBe(`${words} Try again in 30 seconds.`);
    expect(e({ retryAt: "2025-03-05T12:01:00Z" })).toBe(`${words} Try again in 1 minute.`);
    // The broker kit's shape: details.retryAfter, a timestamp.
    expect(e({ attemptsLeft: 0, retryAfter: "2025-03-05T12:15:00.000Z" })).toBe(
      `${words} No attempts left. Try again in 15 minutes.`,
    );
    expect(e({ retryAfter: 90 })).toBe(`${words} Try again in 2 minutes.`);
    expect(e({ retryAt: "2025-03-05T15:00:00Z" })).toMatch(
      new RegExp(`^${words} Try again after .*2025.*\\.$`),
    );
    expect(e({ retryAt: "2025-03-05T11:00:00Z" })).toBe(`${words} You can try again now.`);
    expect(e({ attemptsLeft: 0, retryAfterMs: 60_000 })).toBe(
      `${words} No attempts left. Try again in 1 minute.`,
    );
    expect(e({ retryAt: "soon" })).toBe(words);
  });

  it("words a Wallet that did not answer, and anything else, without showing internals", () => {
    expect(errorCode(new WalletUnreachable('no reply from the Wallet to "x"'))).toBe("wallet_unreachable");
    expect(errorText(new WalletUnreachable("no reply"))).toBe("Something went wrong. Please try again.");
    expect(errorText(new TypeError("x is undefined"))).toBe(shopperWords.internal);
    expect(errorCode("boom")).toBe("internal");
  });

  it("renders words on screen and the code in data-error-code", () => {
    const html = renderToStaticMarkup(
      <ErrorMessage error={new QuickPayError("broker_unreachable", "ECONNREFUSED")} testid="balance-error" />,
    );
    expect(html).toContain('data-testid="balance-error"');
    expect(html).toContain('data-error-code="broker_unreachable"');
    expect(html).toContain('role="alert"');
    expect(html).toContain(shopperWords.broker_unreachable);
    expect(html).not.toContain("ECONNREFUSED");
  });

  it("says the Wallet's own sentence when it chose one (details.words), else the code's", () => {
    const own = new QuickPayError("invalid_request", "short", {
      words: "Choose a password of at least 8 characters.",
    });
    expect(errorText(own)).toBe("Choose a password of at least 8 characters.");
    expect(errorText(new QuickPayError("wrong_password", "wrong password"))).toBe(
      shopperWords.wrong_password,
    );
  });
});

import type { ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Notice } from "./Notice";

const render = (node: ReactNode) => renderToStaticMarkup(node);

describe("a notice", () => {
  it("says an outcome politely, inside a status region that is there before the words", () => {
    expect(render(<Notice tone="ok" testid="paycard-notice" />)).toBe(
      '<div role="status" class="notice-region"></div>',
    );
    expect(
      render(
        <Notice tone="ok" testid="paycard-notice" className="pc-notice">
          Bob Demo is now your active Paycard.
        </Notice>,
      ),
    ).toBe(
      '<div role="status" class="notice-region"><div class="notice notice--ok pc-notice" data-testid="paycard-notice">' +
        '<span class="notice-text">Bob Demo is now your active Paycard.</span></div></div>',
    );
    expect(render(<Notice tone="info" testid="x" children="Saved." />)).toContain(
      'class="notice notice--info"',
    );
  });

  it("shows a problem as an alert, with its code apart and the action that fixes it", () => {
    expect(render(<Notice tone="error" testid="backup-problem" children={undefined} />)).toBe("");
    expect(render(<Notice tone="error" testid="backup-problem" children="" />)).toBe("");
    const html = render(
      <Notice
        tone="error"
        testid="options-error"
        code="wallet_unreachable"
        action={<button type="button">Try again</button>}
      >
        Something went wrong inside QuickPay.
      </Notice>,
    );
    expect(html).toBe(
      '<div class="notice notice--error" data-testid="options-error" data-error-code="wallet_unreachable" role="alert">' +
        '<span class="notice-text">Something went wrong inside QuickPay.</span><button type="button">Try again</button></div>',
    );
  });

  it("asks for a decision as an alert too, and shows its action only with its words", () => {
    const ask = (words?: string) =>
      render(
        <Notice
          tone="warn"
          testid="restore-confirm"
          action={<button type="button">Replace this Wallet</button>}
        >
          {words}
        </Notice>,
      );
    expect(ask()).toBe("");
    expect(ask("This Wallet already has Paycards.")).toMatch(
      /^<div class="notice notice--warn" data-testid="restore-confirm" role="alert">.*Replace this Wallet<\/button><\/div>$/,
    );
  });
});

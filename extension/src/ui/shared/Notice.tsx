/**
 * The one notice box every Wallet page uses to say what just happened ("ok", "info") or what went
 * wrong ("error", "warn"). Outcomes are polite: their live region stays in the page even when empty,
 * because a screen reader reads what is added to a live region, not a region added with its text.
 * Problems are alerts, announced the moment they appear.
 */
import type { ReactNode } from "react";

export type NoticeTone = "ok" | "info" | "warn" | "error";

export interface NoticeProps {
  tone: NoticeTone;
  /** The words; nothing (undefined, null, "", false) shows no box. */
  children?: ReactNode;
  /** The box's data-testid, which e2e journeys read. */
  testid: string;
  /** Extra controls after the words, e.g. a "Try again" button. */
  action?: ReactNode;
  /** The stable error code behind an error, for developers and tests (`data-error-code`). */
  code?: string;
  /** Extra classes for the box (e.g. spacing in one section). */
  className?: string;
}

function isEmpty(node: ReactNode): boolean {
  return node === undefined || node === null || node === false || node === "";
}

export function Notice({ tone, children, testid, action, code, className }: NoticeProps) {
  const classes = ["notice", `notice--${tone}`, className].filter(Boolean).join(" ");
  const box = (role?: "alert") =>
    isEmpty(children) ? null : (
      <div
        className={classes}
        data-testid={testid}
        {...(code ? { "data-error-code": code } : {})}
        {...(role ? { role } : {})}
      >
        <span className="notice-text">{children}</span>
        {action}
      </div>
    );
  if (tone === "error" || tone === "warn") return box("alert");
  return (
    <div role="status" className="notice-region">
      {box()}
    </div>
  );
}

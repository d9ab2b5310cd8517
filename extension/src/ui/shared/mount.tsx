/**
 * Mounts a Wallet page's React root and shows errors the way every Wallet page does: in the
 * shopper's words (`@quickpay/protocol/words`), with the stable code in `data-error-code` for
 * developers and tests — never a bare code on screen.
 */
import { QuickPayError } from "@quickpay/protocol";
import { wordsFor } from "@quickpay/protocol/words";
import type { ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { WalletUnreachable } from "../../shared/reply";
import { formatDateTime } from "./format";
import { Notice } from "./Notice";

export function mount(node: ReactNode): void {
  const el = document.getElementById("root");
  if (!el) throw new Error("page has no #root");
  createRoot(el).render(node);
}

/**
 * Not a protocol code: the Wallet's service worker gave no answer at all (e.g. it was restarting).
 * words.ts has no sentence for it yet, so it reads as the general "Something went wrong" one.
 */
export const WALLET_UNREACHABLE = "wallet_unreachable";

/** The stable code behind an error: the Wallet's own, `wallet_unreachable`, or `internal`. */
export function errorCode(error: unknown): string {
  if (error instanceof QuickPayError) return error.code;
  if (error instanceof WalletUnreachable) return WALLET_UNREACHABLE;
  return "internal";
}

/**
 * What a person reads for an error: the words for its code, then what the details add (attempts
 * left, when to try again). `now` is injected for tests.
 */
export function errorText(error: unknown, now: Date = new Date()): string {
  const code = errorCode(error);
  const details = error instanceof QuickPayError ? error.details : undefined;
  // The Wallet's own sentence for this case when it chose one (e.g. "Choose a longer password."), else the code's.
  const own = (details as { words?: unknown } | undefined)?.words;
  const words = typeof own === "string" ? own : wordsFor(code);
  return [words, attemptsLeft(details), retryAfter(details, now)].filter(Boolean).join(" ");
}

function attemptsLeft(details: unknown): string | undefined {
  const left = (details as { attemptsLeft?: unknown } | undefined)?.attemptsLeft;
  if (typeof left !== "number" || !Number.isInteger(left) || left < 0) return undefined;
  if (left === 0) return "No attempts left.";
  return `${left} ${left === 1 ? "attempt" : "attempts"} left.`;
}

/**
 * "Try again in 15 minutes." from the cool-down in `details`: `retryAfter` (a timestamp, as the
 * broker kit sends it; a number is seconds, as in HTTP's Retry-After), `retryAt` (a timestamp),
 * `retryAfterMs` or `retryAfterSeconds` — the first one present wins. Waits of two hours or more
 * name the local time instead ("Try again after 6 Mar 2025, 14:30.").
 */
function retryAfter(details: unknown, now: Date): string | undefined {
  const d = details as Record<string, unknown> | undefined;
  if (!d || typeof d !== "object") return undefined;
  const at = (v: unknown) =>
    typeof v === "string" && !Number.isNaN(Date.parse(v)) ? Date.parse(v) : undefined;
  let until: number | undefined;
  if (at(d.retryAfter) !== undefined) until = at(d.retryAfter);
  else if (typeof d.retryAfter === "number") until = now.getTime() + d.retryAfter * 1000;
  else if (at(d.retryAt) !== undefined) until = at(d.retryAt);
  else if (typeof d.retryAfterMs === "number") until = now.getTime() + d.retryAfterMs;
  else if (typeof d.retryAfterSeconds === "number") until = now.getTime() + d.retryAfterSeconds * 1000;
  if (until === undefined || !Number.isFinite(until)) return undefined;
  const ms = until - now.getTime();
  if (ms <= 1000) return "You can try again now.";
  if (ms < 60_000) return `Try again in ${Math.ceil(ms / 1000)} seconds.`;
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < 120) return `Try again in ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`;
  return `Try again after ${formatDateTime(new Date(until).toISOString())}.`;
}

/** An error as every Wallet page shows it: words on screen, the code in `data-error-code`. */
export function ErrorMessage({
  error,
  testid,
  children,
}: {
  error: unknown;
  testid: string;
  /** Extra controls after the words, e.g. a "Try again" button. */
  children?: ReactNode;
}) {
  return (
    <Notice tone="error" testid={testid} code={errorCode(error)} action={children}>
      {errorText(error)}
    </Notice>
  );
}

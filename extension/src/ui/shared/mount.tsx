/** Mounts a Wallet page's React root and shows errors the way every Wallet page does. */
import { QuickPayError } from "@quickpay/protocol";
import type { ReactNode } from "react";
import { createRoot } from "react-dom/client";

export function mount(node: ReactNode): void {
  const el = document.getElementById("root");
  if (!el) throw new Error("page has no #root");
  createRoot(el).render(node);
}

export function errorText(error: unknown): string {
  if (error instanceof QuickPayError) {
    const left = (error.details as { attemptsLeft?: unknown } | undefined)?.attemptsLeft;
    const attempts = typeof left === "number" ? ` — ${left} ${left === 1 ? "attempt" : "attempts"} left` : "";
    return `${error.message}${attempts} (${error.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}

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
  if (error instanceof QuickPayError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

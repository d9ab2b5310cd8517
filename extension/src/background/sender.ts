/**
 * Who sent a runtime message, decided from what the browser reports (never from the message): the
 * Wallet's own pages, or a content script in a web page whose origin the engine then checks.
 */
import type { SenderInfo } from "../shared/messages";

export interface RuntimeSender {
  id?: string;
  url?: string;
  /** Chrome only (the polyfill's types leave it out): preferred over `url` when present. */
  origin?: string;
  tab?: { id?: number; url?: string };
}

/**
 * `extensionOrigin` is what `runtime.getURL("")` starts with: `chrome-extension://<id>` in Chromium,
 * `moz-extension://<per-install uuid>` in Firefox (where it is not derived from the id).
 */
export function classifySender(
  sender: RuntimeSender,
  extensionId: string,
  extensionOrigin = `chrome-extension://${extensionId}`,
): SenderInfo | undefined {
  if (sender.id !== extensionId) return undefined;
  const url = sender.url ?? "";
  // A content script's messages carry the tab; the Wallet's own pages have the extension's origin.
  if (!sender.tab || url.startsWith(`${extensionOrigin}/`)) {
    return url.startsWith(`${extensionOrigin}/`) ? { kind: "ui" } : undefined;
  }
  let origin: string | undefined;
  try {
    origin = new URL(sender.origin ?? url).origin;
  } catch {
    return undefined;
  }
  if (!/^https?:\/\//.test(origin)) return undefined;
  return { kind: "page", origin };
}

/**
 * Who sent a runtime message, decided from what the browser reports (never from the message): the
 * Wallet's own pages, or a content script in a web page whose origin the engine then checks.
 */
import type { SenderInfo } from "../shared/messages";

export interface RuntimeSender {
  id?: string;
  url?: string;
  origin?: string;
  tab?: { id?: number; url?: string };
}

export function classifySender(sender: RuntimeSender, extensionId: string): SenderInfo | undefined {
  if (sender.id !== extensionId) return undefined;
  const extensionOrigin = `chrome-extension://${extensionId}`;
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

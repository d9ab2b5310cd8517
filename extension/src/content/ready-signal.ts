/**
 * How the content script tells the in-page script that its listener is up. The content script is
 * loaded asynchronously and may start after the page's `window.quickpay` exists; requests wait for it.
 */
export const BRIDGE_READY_ATTRIBUTE = "data-quickpay-bridge" as const;
export const BRIDGE_READY_EVENT = "quickpay:bridge-ready" as const;

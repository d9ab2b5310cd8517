/**
 * The Wallet's mark as the data URI it announces in discovery: extension/icons/quickpay.svg without
 * its comment (icon.test.ts keeps the two the same). Inlined, never a URL: fetching an icon from the
 * extension or a server would let a page tell which wallet is installed by timing, or tell a server.
 */
export const QUICKPAY_ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="24" height="24" role="img" aria-label="QuickPay">' +
  "<title>QuickPay</title>" +
  '<rect width="24" height="24" rx="7" fill="#2251d1"/>' +
  '<circle cx="11.5" cy="11.5" r="5.25" fill="none" stroke="#ffffff" stroke-width="2.5"/>' +
  '<path d="M14.5 14.5 18 18" stroke="#ffffff" stroke-width="2.5" stroke-linecap="round"/>' +
  "</svg>";

export const QUICKPAY_ICON_DATA_URI = `data:image/svg+xml,${encodeURIComponent(QUICKPAY_ICON_SVG)}`;

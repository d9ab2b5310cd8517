/**
 * The Wallet's Manifest V3, read by @crxjs/vite-plugin from extension/vite.config.ts. Paths are
 * relative to extension/. No remote code: Paycard modules are bundled; the default CSP applies.
 */
import { defineManifest } from "@crxjs/vite-plugin";

export default defineManifest({
  manifest_version: 3,
  name: "QuickPay Wallet",
  description: "Pay vendors' web pages with QuickPay: micropayments through your Paycards.",
  version: "0.1.0",
  background: { service_worker: "src/background/index.ts", type: "module" },
  // Rendered from extension/icons/quickpay.svg by scripts/make-icons.ts (Chrome takes no SVG icons).
  icons: {
    16: "icons/icon-16.png",
    32: "icons/icon-32.png",
    48: "icons/icon-48.png",
    128: "icons/icon-128.png",
  },
  action: {
    default_title: "QuickPay Wallet",
    default_popup: "popup.html",
    default_icon: { 16: "icons/icon-16.png", 32: "icons/icon-32.png" },
  },
  options_page: "options.html",
  permissions: ["storage", "alarms"],
  // The service worker fetches the host, brokers and vendors' QuickPay endpoints.
  host_permissions: ["http://127.0.0.1/*", "http://localhost/*", "https://*/*"],
  content_scripts: [
    {
      // The bridge (ISOLATED world) relays page requests to the service worker.
      matches: ["http://*/*", "https://*/*"],
      js: ["src/content/index.ts"],
      run_at: "document_start",
    },
    {
      // window.quickpay, defined in the page's own world before any page script runs.
      matches: ["http://*/*", "https://*/*"],
      js: ["src/inpage/index.ts"],
      run_at: "document_start",
      world: "MAIN",
    },
  ],
});

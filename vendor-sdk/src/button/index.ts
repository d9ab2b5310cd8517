/**
 * The QuickPay pay button. As a module (`@quickpay/vendor-sdk/button`) it exports its parts; as the
 * bundled `quickpay-button.js` (an IIFE) it defines `<quickpay-button>`, wires every
 * `[data-quickpay-item]` button once the page has loaded, and exposes `window.QuickPayButton.scan()`
 * for buttons added later.
 */
import { definePayButtonElement, wireMarkedButtons } from "./dom";

export * from "./controller";
export { definePayButtonElement, type PayButtonOptions, wireMarkedButtons, wirePayButton } from "./dom";
export * from "./pay";
export * from "./wallet";

/** Called by the bundle's entry; a no-op outside a browser. */
export function autoStart(): void {
  if (typeof window === "undefined" || typeof customElements === "undefined") return;
  definePayButtonElement();
  const scan = () => wireMarkedButtons(document);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan, { once: true });
  else scan();
  (window as unknown as { QuickPayButton: { scan(): void } }).QuickPayButton = { scan };
}

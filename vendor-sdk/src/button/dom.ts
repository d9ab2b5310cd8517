/**
 * Wiring pay buttons into a page: the `<quickpay-button>` custom element and plain buttons marked
 * `data-quickpay-item` (script-tag mode). All decisions live in pay.ts / wallet.ts; this file only
 * reads attributes, flips `data-state` and writes the status line and the delivered content.
 *
 * Trust choice: delivered `text/html` is inserted with innerHTML. It is the vendor's own content,
 * served by the vendor's own server at the delivery URL inside the vendor-signed order and relayed
 * unchanged by the Wallet — the same trust the page already gives the vendor's server. A vendor who
 * prefers not to extend that trust delivers `text/plain`, which is inserted as text.
 */
import type { PayResult } from "@quickpay/protocol";
import { DEFAULT_GET_WALLET_URL, describeOutcome, payForItem, payingView, type StatusView } from "./pay";
import { DEFAULT_WALLET_WAIT_MS, findWallet } from "./wallet";

export interface PayButtonOptions {
  itemId: string;
  /** CSS selector of the element that receives the content; a new element after the status otherwise. */
  target?: string | null;
  getWalletUrl?: string | null;
  walletWaitMs?: number;
}

/** Makes `button` a pay button; `status` shows progress and errors; `host` mirrors data-state. */
export function wirePayButton(
  button: HTMLElement,
  status: HTMLElement,
  options: PayButtonOptions,
  host: HTMLElement = button,
): void {
  const { itemId } = options;
  button.dataset.testid ??= `quickpay-button-${itemId}`;
  status.dataset.testid ??= `quickpay-status-${itemId}`;
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const show = (view: StatusView) => {
    for (const el of new Set([button, status, host])) el.dataset.state = view.state;
    status.textContent = view.text;
    if (view.link) {
      const a = document.createElement("a");
      a.href = view.link.href;
      a.textContent = view.link.text;
      a.target = "_blank";
      a.rel = "noopener";
      a.dataset.testid = "quickpay-get-wallet";
      status.append(" ", a);
    }
    if (view.after) status.append(` ${view.after}`);
  };
  show({ state: "idle", text: "" });

  button.addEventListener("click", async (event) => {
    event.preventDefault();
    if (button.dataset.state === "paying" || button.dataset.state === "delivered") return;
    button.setAttribute("aria-disabled", "true");
    show(payingView);
    const outcome = await payForItem(
      () => findWallet(window, options.walletWaitMs ?? DEFAULT_WALLET_WAIT_MS),
      itemId,
    );
    if (outcome.state === "delivered") {
      showContent(outcome.result, contentTarget(status, options));
      if (button instanceof HTMLButtonElement) button.disabled = true;
    } else {
      button.removeAttribute("aria-disabled");
    }
    show(describeOutcome(outcome, options.getWalletUrl ?? DEFAULT_GET_WALLET_URL));
  });
}

function contentTarget(status: HTMLElement, options: PayButtonOptions): HTMLElement {
  const found = options.target ? document.querySelector<HTMLElement>(options.target) : null;
  if (found) return found;
  const div = document.createElement("div");
  div.dataset.testid = `quickpay-content-${options.itemId}`;
  status.after(div);
  return div;
}

function showContent(result: PayResult, target: HTMLElement): void {
  if (result.content.mediaType === "text/html") target.innerHTML = result.content.body;
  else target.textContent = result.content.body;
  target.dataset.quickpayDelivered = result.orderDigest;
  target.hidden = false;
}

/** `<quickpay-button item="article-1" target="#article-1-body" label="Read for 1¢" get-wallet-url="…">` */
export function definePayButtonElement(registry: CustomElementRegistry = customElements): void {
  if (registry.get("quickpay-button")) return;
  registry.define(
    "quickpay-button",
    class QuickPayButtonElement extends HTMLElement {
      connectedCallback() {
        if (this.dataset.quickpayBound) return;
        const itemId = this.getAttribute("item");
        if (!itemId) return;
        this.dataset.quickpayBound = "true";
        const button = document.createElement("button");
        button.type = "button";
        button.className = "quickpay-button";
        button.textContent = this.getAttribute("label") ?? "Pay with QuickPay";
        const status = document.createElement("span");
        status.className = "quickpay-status";
        this.append(button, " ", status);
        wirePayButton(button, status, optionsFrom(this, itemId, ""), this);
      }
    },
  );
}

/** Script-tag mode: wires every `[data-quickpay-item]` not wired yet; safe to call again. */
export function wireMarkedButtons(root: ParentNode = document): void {
  for (const button of root.querySelectorAll<HTMLElement>("[data-quickpay-item]")) {
    if (button.dataset.quickpayBound) continue;
    const itemId = button.dataset.quickpayItem;
    if (!itemId) continue;
    button.dataset.quickpayBound = "true";
    const selector = button.dataset.quickpayStatus;
    let status = selector ? document.querySelector<HTMLElement>(selector) : null;
    if (!status) {
      status = document.createElement("span");
      status.className = "quickpay-status";
      button.after(" ", status);
    }
    wirePayButton(button, status, optionsFrom(button, itemId, "data-quickpay-"));
  }
}

function optionsFrom(el: HTMLElement, itemId: string, prefix: string): PayButtonOptions {
  const wait = Number(el.getAttribute(`${prefix}wallet-wait-ms`));
  return {
    itemId,
    target: el.getAttribute(`${prefix}target`),
    getWalletUrl: el.getAttribute(`${prefix}get-wallet-url`),
    ...(Number.isFinite(wait) && wait > 0 ? { walletWaitMs: wait } : {}),
  };
}

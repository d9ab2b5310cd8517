/**
 * Wiring pay buttons into a page: the `<quickpay-button>` custom element and plain buttons marked
 * `data-quickpay-item` (script-tag mode). All decisions live in controller.ts, pay.ts and wallet.ts;
 * this file only reads attributes, sets the data attributes and writes the status line and content.
 *
 * Trust choice: delivered `text/html` is inserted with innerHTML. It is the vendor's own content,
 * served by the vendor's own server at the delivery URL inside the vendor-signed order and relayed
 * unchanged by the Wallet — the same trust the page already gives the vendor's server. A vendor who
 * prefers not to extend that trust delivers `text/plain`, which is inserted as text.
 */
import type { PayResult } from "@quickpay/protocol";
import { chooseWallet } from "./chooser";
import { createPayController } from "./controller";
import type { StatusView } from "./pay";
import { DEFAULT_WALLET_WAIT_MS, walletRegistryFor } from "./wallet";

export interface PayButtonOptions {
  itemId: string;
  /** CSS selector of the element that receives the content; a new element after the status otherwise. */
  target?: string | null;
  getWalletUrl?: string | null;
  walletWaitMs?: number;
}

let statusIds = 0;

/**
 * Makes `button` a pay button; `status` shows progress and errors; `host` mirrors the data
 * attributes. Asks the Wallet once, right away, whether this item was bought already (restore).
 */
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
  // The button's accessible description is the status line, so a screen reader hears why it is disabled.
  status.id ||= `quickpay-status-${++statusIds}`;
  const described = button.getAttribute("aria-describedby");
  if (!described?.split(/\s+/).includes(status.id)) {
    button.setAttribute("aria-describedby", described ? `${described} ${status.id}` : status.id);
  }

  const show = (view: StatusView) => {
    for (const el of new Set([button, status, host])) {
      el.dataset.state = view.state;
      setData(el, "progress", view.progress);
      setData(el, "errorCode", view.code);
    }
    if (view.state === "paying") button.setAttribute("aria-disabled", "true");
    else button.removeAttribute("aria-disabled");
    if (view.state === "delivered" && button instanceof HTMLButtonElement) button.disabled = true;
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
  };
  const wallets = walletRegistryFor(window);
  const controller = createPayController(
    {
      itemId,
      findWallets: () => wallets.find(options.walletWaitMs ?? DEFAULT_WALLET_WAIT_MS),
      chooseWallet: (found) => {
        status.textContent = "Choose the wallet to pay with.";
        return chooseWallet(status, found, { itemId, returnFocus: button });
      },
      events: window,
      ...(options.getWalletUrl ? { getWalletUrl: options.getWalletUrl } : {}),
    },
    { show, deliver: (result, restored) => showContent(result, contentTarget(status, options), restored) },
  );
  show({ state: "idle", text: "" });

  button.addEventListener("click", (event) => {
    event.preventDefault();
    void controller.pay();
  });
  void controller.restore();
}

function setData(el: HTMLElement, key: "progress" | "errorCode", value: string | undefined): void {
  if (value) el.dataset[key] = value;
  else delete el.dataset[key];
}

function contentTarget(status: HTMLElement, options: PayButtonOptions): HTMLElement {
  const found = options.target ? document.querySelector<HTMLElement>(options.target) : null;
  if (found) return found;
  const testid = `quickpay-content-${options.itemId}`;
  const existing = status.nextElementSibling as HTMLElement | null;
  if (existing?.dataset.testid === testid) return existing;
  const div = document.createElement("div");
  div.dataset.testid = testid;
  status.after(div);
  return div;
}

function showContent(result: PayResult, target: HTMLElement, restored: boolean): void {
  if (result.content.mediaType === "text/html") target.innerHTML = result.content.body;
  else target.textContent = result.content.body;
  target.dataset.quickpayDelivered = result.orderDigest;
  if (restored) target.dataset.quickpayRestored = "true";
  else delete target.dataset.quickpayRestored;
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

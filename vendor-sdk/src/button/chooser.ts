/**
 * The small wallet chooser a pay button shows when the page has two or more wallets: one button per
 * wallet (its icon and name), and Cancel. A group labelled by its question, focus on the first
 * wallet, arrow keys move between them, Escape cancels; system colours, so it follows light/dark.
 * It remembers nothing: the controller keeps the choice in memory for the page's lifetime only.
 */
import type { FoundWallet } from "./wallet";

let chooserIds = 0;

/**
 * Shows the chooser right after `anchor`; resolves with the wallet picked, or undefined when the
 * shopper cancelled (Cancel, Escape). The chooser is removed either way and focus goes back to
 * `returnFocus`.
 */
export function chooseWallet(
  anchor: HTMLElement,
  wallets: FoundWallet[],
  options: { itemId: string; returnFocus?: HTMLElement },
): Promise<FoundWallet | undefined> {
  const doc = anchor.ownerDocument;
  const group = doc.createElement("div");
  const labelId = `quickpay-chooser-label-${++chooserIds}`;
  group.setAttribute("role", "group");
  group.setAttribute("aria-labelledby", labelId);
  group.className = "quickpay-chooser";
  group.dataset.testid = `quickpay-wallet-chooser-${options.itemId}`;
  group.style.cssText =
    "display:inline-flex;flex-wrap:wrap;align-items:center;gap:.4rem;margin:.4rem 0 .4rem .5rem;" +
    "padding:.45rem .6rem;border:1px solid GrayText;border-radius:.5rem;background:Canvas;color:CanvasText;font:inherit";
  const label = doc.createElement("span");
  label.id = labelId;
  label.textContent = "Pay with which wallet?";
  label.style.cssText = "font-weight:600;margin-right:.2rem";
  group.append(label);

  return new Promise((resolve) => {
    const buttons: HTMLButtonElement[] = [];
    const finish = (picked: FoundWallet | undefined) => {
      group.remove();
      options.returnFocus?.focus();
      resolve(picked);
    };
    for (const wallet of wallets) {
      const b = doc.createElement("button");
      b.type = "button";
      b.className = "quickpay-chooser-option";
      b.dataset.testid = "quickpay-wallet-option";
      b.dataset.rdns = wallet.rdns;
      b.style.cssText =
        "display:inline-flex;align-items:center;gap:.35rem;font:inherit;padding:.25rem .6rem;cursor:pointer";
      if (wallet.icon) {
        const img = doc.createElement("img");
        img.src = wallet.icon;
        img.alt = ""; // the name beside it says which wallet
        img.width = 18;
        img.height = 18;
        b.append(img);
      }
      b.append(doc.createTextNode(wallet.name));
      b.addEventListener("click", () => finish(wallet));
      buttons.push(b);
      group.append(b);
    }
    const cancel = doc.createElement("button");
    cancel.type = "button";
    cancel.className = "quickpay-chooser-cancel";
    cancel.dataset.testid = "quickpay-wallet-cancel";
    cancel.textContent = "Cancel";
    cancel.style.cssText = "font:inherit;padding:.25rem .6rem;cursor:pointer";
    cancel.addEventListener("click", () => finish(undefined));
    buttons.push(cancel);
    group.append(cancel);
    group.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        finish(undefined);
        return;
      }
      const step =
        event.key === "ArrowRight" || event.key === "ArrowDown"
          ? 1
          : event.key === "ArrowLeft" || event.key === "ArrowUp"
            ? -1
            : 0;
      if (!step) return;
      event.preventDefault();
      const at = buttons.indexOf(doc.activeElement as HTMLButtonElement);
      buttons[(at + step + buttons.length) % buttons.length]?.focus();
    });
    anchor.after(group);
    buttons[0]?.focus();
  });
}

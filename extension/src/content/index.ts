/** ISOLATED-world content script entry (document_start): wires the page bridge to the service worker. */
import { callWallet } from "../shared/client";
import { installBridge } from "./bridge";

installBridge(window, {
  getInfo: () => callWallet("page.getInfo", {}),
  startPay: (itemId) => callWallet("page.startPay", { itemId }),
  awaitPay: (purchaseId, after) =>
    callWallet("page.awaitPay", after === undefined ? { purchaseId } : { purchaseId, after }),
  restore: (itemId) => callWallet("page.restore", { itemId }),
});

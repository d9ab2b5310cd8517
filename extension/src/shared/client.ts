/**
 * Sends a typed message to the service worker from an extension page or the content script, and
 * validates the reply against the message map. An unknown message name does not compile.
 * Uses `webextension-polyfill` (Promise-based in every browser); see reply.ts for the failure kinds.
 */
import browser from "webextension-polyfill";
import type { ParamsOf, ResultOf, WalletMessageName, WalletRequest } from "./messages";
import { decodeWalletReply } from "./reply";

export async function callWallet<N extends WalletMessageName>(
  name: N,
  params: ParamsOf<N>,
): Promise<ResultOf<N>> {
  const request: WalletRequest = { quickpay: 1, name, params };
  return decodeWalletReply(name, await browser.runtime.sendMessage(request));
}

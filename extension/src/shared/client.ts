/**
 * Sends a typed message to the service worker from an extension page or the content script, and
 * validates the reply against the message map. An unknown message name does not compile.
 */
import { QuickPayError } from "@quickpay/protocol";
import {
  type ParamsOf,
  type ResultOf,
  type WalletMessageName,
  type WalletReply,
  type WalletRequest,
  walletProtocol,
} from "./messages";

export async function callWallet<N extends WalletMessageName>(
  name: N,
  params: ParamsOf<N>,
): Promise<ResultOf<N>> {
  const request: WalletRequest = { quickpay: 1, name, params };
  const reply = (await chrome.runtime.sendMessage(request)) as WalletReply | undefined;
  if (!reply) throw new QuickPayError("internal", `no reply to "${name}"`);
  if (!reply.ok) throw QuickPayError.fromJSON({ error: reply.error }, reply.error.message);
  return walletProtocol[name].result.parse(reply.result) as ResultOf<N>;
}

/**
 * Turns what `runtime.sendMessage` resolved with into a message's result. Kept apart from client.ts
 * (which imports the browser API) so it runs under Node in tests.
 *
 * Two kinds of failure, and callers treat them differently: a `QuickPayError` is the Wallet's own
 * answer (declined, no_paycard, …); a `WalletUnreachable` means no answer came back at all, e.g. the
 * service worker was stopped while it held the message. The polyfill resolves that case to
 * `undefined` in Chrome ("The message port closed before a response was received."), so `undefined`
 * is a transport failure worth asking again, never an outcome.
 */
import { QuickPayError } from "@quickpay/protocol";
import { type ResultOf, type WalletMessageName, type WalletReply, walletProtocol } from "./messages";

export class WalletUnreachable extends Error {
  override readonly name = "WalletUnreachable";
}

export function decodeWalletReply<N extends WalletMessageName>(name: N, raw: unknown): ResultOf<N> {
  const reply = raw as WalletReply | undefined | null;
  if (reply === undefined || reply === null || typeof reply !== "object" || !("ok" in reply)) {
    throw new WalletUnreachable(`no reply from the Wallet to "${name}"`);
  }
  if (!reply.ok) throw QuickPayError.fromJSON({ error: reply.error }, reply.error.message);
  return walletProtocol[name].result.parse(reply.result) as ResultOf<N>;
}

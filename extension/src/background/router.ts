/**
 * Routes one runtime message to its handler: checks the frame, the message name, who may send it, and
 * the params against the message map; turns every failure into `{ ok: false, error: { code, message } }`
 * so errors survive the message boundary and bad input changes nothing. A page's errors carry the
 * shopper's words as the message (the code stays, the technical message moves to `details`).
 */
import { QuickPayError, wordsFor } from "@quickpay/protocol";
import {
  isWalletMessageName,
  type SenderInfo,
  type WalletHandlers,
  type WalletReply,
  WalletRequest,
  walletProtocol,
} from "../shared/messages";

export async function routeWalletMessage(
  handlers: WalletHandlers,
  raw: unknown,
  sender: SenderInfo,
): Promise<WalletReply> {
  try {
    const frame = WalletRequest.safeParse(raw);
    if (!frame.success) throw new QuickPayError("invalid_request", "not a QuickPay wallet message");
    const { name } = frame.data;
    if (!isWalletMessageName(name)) throw new QuickPayError("invalid_request", `unknown message "${name}"`);
    const spec = walletProtocol[name];
    if (spec.from !== sender.kind) {
      throw new QuickPayError(
        "forbidden",
        `"${name}" may only be sent by ${spec.from}, not by ${sender.kind}`,
      );
    }
    const params = spec.params.safeParse(frame.data.params ?? {});
    if (!params.success) {
      throw new QuickPayError(
        "invalid_request",
        `bad params for "${name}": ${params.error.issues[0]?.message}`,
      );
    }
    const handler = handlers[name] as (p: unknown, s: SenderInfo) => Promise<unknown>;
    const result = await handler(params.data, sender);
    return { ok: true, result: (spec.result as { parse(v: unknown): unknown }).parse(result) };
  } catch (error) {
    return { ok: false, error: sender.kind === "page" ? pageErrorBody(error) : errorBody(error) };
  }
}

export function errorBody(error: unknown): { code: string; message: string; details?: unknown } {
  if (error instanceof QuickPayError) {
    // Details (e.g. a broker's `attemptsLeft`) cross the boundary too, as long as they are plain JSON.
    const details = error.details === undefined ? undefined : JSON.parse(JSON.stringify(error.details));
    return { code: error.code, message: error.message, ...(details === undefined ? {} : { details }) };
  }
  return { code: "internal", message: error instanceof Error ? error.message : String(error) };
}

/**
 * What a vendor page gets: the stable code and, as the message, what the shopper reads (`wordsFor`
 * the code, or the engine's own words for a purchase's outcome); the technical message stays in
 * `details.technical` for the Wallet's developers (the page-side envelope carries code and message only).
 */
export function pageErrorBody(error: unknown): { code: string; message: string; details?: unknown } {
  const e = error instanceof QuickPayError ? error : new QuickPayError("internal", errorBody(error).message);
  const raw = errorBody(e).details;
  const { words: _words, ...details } =
    typeof raw === "object" && raw !== null && !Array.isArray(raw)
      ? (raw as Record<string, unknown>)
      : raw === undefined
        ? {}
        : { details: raw };
  return { code: e.code, message: shopperWordsOf(e), details: { ...details, technical: e.message } };
}

/** What a page reads for an error: `details.words` when the engine chose them, else the code's words. */
function shopperWordsOf(error: QuickPayError): string {
  const words = (error.details as { words?: unknown } | undefined)?.words;
  return typeof words === "string" ? words : wordsFor(error.code);
}

/** How a QuickPay message is declared: once, with its route, its direction and its schemas. */
import type { z } from "zod";

export type Party = "wallet" | "vendor" | "broker" | "host" | "operator" | "user";

export interface MessageSpec<B extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  /** The paper's table name, e.g. "InquiryPayment". */
  type: string;
  /** Versioned path below the receiver's endpoint. */
  path: `/v1/${string}`;
  from: Party;
  to: Party;
  /**
   * `envelope`: a signed envelope whose `from` is the sender's player id.
   * `anonymous`: a plain body — Wallet → Vendor messages carry no wallet identity, by design; their
   * authority is the vendor's own order signature and the broker's endorsement inside.
   * `operator`: a plain body authenticated by the host operator's bearer token.
   */
  auth: "envelope" | "anonymous" | "operator";
  body: B;
  reply: R;
  summary: string;
}

/** Keeps every literal (type, path, from, to, auth) so maps over messages stay exact. */
export function defineMessage<const S extends MessageSpec>(spec: S): S {
  return spec;
}

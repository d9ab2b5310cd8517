/**
 * The registrations the benchmark sends, built and signed before a run starts (signing is the
 * client's cost, not the host's). Single registrations are Register Delivery (vendor → host).
 */
import { randomBytes } from "node:crypto";
import { type MoneyWire, messages, newId, newMessageId } from "@quickpay/protocol";
import { type FastSigner, signEnvelopeSync } from "./sign-fast";

export interface Facts {
  orderDigest: string;
  commitId: string;
  vendorId: string;
  amount: MoneyWire;
}

export interface PreparedRequest {
  path: string;
  /** The JSON text sent, ready to write to the socket. */
  body: string;
  /** The envelope's message id (a batch carries one id for all its registrations). */
  id: string;
  /** The order digests this request registers. */
  digests: string[];
}

/**
 * Message ids as QuickPay's own senders mint them (`newMessageId`, time-ordered); BENCH_MESSAGE_IDS=random
 * sends 128-bit random ids instead, as a client that ignores the recommendation would.
 */
export const messageId = process.env.BENCH_MESSAGE_IDS === "random" ? () => newId() : newMessageId;

export function randomFacts(vendorId: string, micros = 5_000): Facts {
  return {
    orderDigest: randomBytes(32).toString("hex"),
    commitId: `c_${newId()}`,
    vendorId,
    amount: { currency: "USD", value: (micros / 1e6).toFixed(6).replace(/\.?0+$/, "") },
  };
}

export function registerDelivery(vendor: FastSigner, facts: Facts, id = messageId()): PreparedRequest {
  const envelope = signEnvelopeSync(vendor, messages.RegisterDelivery.type, facts, { id });
  return {
    path: messages.RegisterDelivery.path,
    body: JSON.stringify(envelope),
    id,
    digests: [facts.orderDigest],
  };
}

/** One signed Register Delivery Batch: up to MAX_BATCH facts under one signature. */
export function registerDeliveryBatch(vendor: FastSigner, facts: Facts[], id = messageId()): PreparedRequest {
  const spec = messages.RegisterDeliveryBatch;
  const envelope = signEnvelopeSync(vendor, spec.type, { deliveries: facts }, { id });
  return { path: spec.path, body: JSON.stringify(envelope), id, digests: facts.map((f) => f.orderDigest) };
}

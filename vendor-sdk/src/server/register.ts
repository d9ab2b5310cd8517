/** Register Vendor (Vendor → Host): a shop announces its key, name, origins and QuickPay endpoint. */
import {
  type FetchLike,
  type KeyPair,
  playerIdFor,
  QuickPayError,
  sendMessage,
  signEnvelope,
} from "@quickpay/protocol";

export interface VendorRegistration {
  name: string;
  /** Every origin the shop's pages are served from, exactly as `location.origin` prints it. */
  origins: string[];
  /** Where the Wallet sends Get Order and Request Order Delivery, e.g. `https://shop.example/quickpay`. */
  endpoint: string;
}

/** Resolves with the vendor id (derived from the public key, so it is the same on every run). */
export async function registerVendor(
  hostUrl: string,
  keys: KeyPair,
  registration: VendorRegistration,
  options: { fetch?: FetchLike } = {},
): Promise<string> {
  const vendorId = playerIdFor("vendor", keys.publicKey);
  const envelope = await signEnvelope({ playerId: vendorId, privateKey: keys.privateKey }, "RegisterVendor", {
    publicKey: keys.publicKey,
    name: registration.name,
    origins: registration.origins,
    endpoint: registration.endpoint,
  });
  const reply = await sendMessage(hostUrl, "RegisterVendor", envelope, options);
  if (reply.vendorId !== vendorId) {
    throw new QuickPayError("mismatch", `the host registered ${reply.vendorId}, expected ${vendorId}`);
  }
  return reply.vendorId;
}

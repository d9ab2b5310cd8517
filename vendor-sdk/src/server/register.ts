/**
 * Register Vendor (Vendor → Host): a shop announces its key, name, origins and QuickPay endpoint, and
 * proves it controls each origin by serving `/.well-known/quickpay.json` listing its key (the host
 * fetches it while registering; `originProofResponse` / the handlers' `handle` serve it). A new key
 * takes over the vendor with `rotateFrom`: the old key signs the new one.
 */
import {
  type FetchLike,
  type KeyPair,
  playerIdFor,
  publicKeyFromPrivate,
  QuickPayError,
  sendMessage,
  signEnvelope,
  signVendorKeyRotation,
  VENDOR_ORIGIN_PROOF_PATH,
  vendorOriginProof,
} from "@quickpay/protocol";

export interface VendorRegistration {
  name: string;
  /**
   * Every origin the shop's pages are served from, exactly as `location.origin` prints it; each must
   * serve `/.well-known/quickpay.json` listing this key (https, or loopback on a host in loopback mode).
   */
  origins: string[];
  /** Where the Wallet sends Get Order and Request Order Delivery, on one of `origins`, e.g. `https://shop.example/quickpay`. */
  endpoint: string;
  /**
   * Key rotation: the private key of the vendor this key replaces. It signs the new public key; the
   * host suspends the old vendor and moves its origins here. While rotating, the origins list both keys.
   */
  rotateFrom?: string;
}

/**
 * The response to `GET /.well-known/quickpay.json` for these vendor keys, or null for any other
 * request. Mount it at the root of every origin the shop registers.
 */
export function originProofResponse(req: Request, publicKeys: string | readonly string[]): Response | null {
  if (new URL(req.url).pathname !== VENDOR_ORIGIN_PROOF_PATH) return null;
  if (req.method !== "GET" && req.method !== "HEAD") {
    return new Response(null, { status: 405, headers: { allow: "GET, HEAD" } });
  }
  return new Response(req.method === "HEAD" ? null : JSON.stringify(vendorOriginProof(publicKeys)), {
    status: 200,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      "access-control-allow-origin": "*",
    },
  });
}

/** Resolves with the vendor id (derived from the public key, so it is the same on every run). */
export async function registerVendor(
  hostUrl: string,
  keys: KeyPair,
  registration: VendorRegistration,
  options: { fetch?: FetchLike } = {},
): Promise<string> {
  const vendorId = playerIdFor("vendor", keys.publicKey);
  const rotation = registration.rotateFrom
    ? await signVendorKeyRotation(
        registration.rotateFrom,
        playerIdFor("vendor", publicKeyFromPrivate(registration.rotateFrom)),
        keys.publicKey,
      )
    : undefined;
  const envelope = await signEnvelope({ playerId: vendorId, privateKey: keys.privateKey }, "RegisterVendor", {
    publicKey: keys.publicKey,
    name: registration.name,
    origins: registration.origins,
    endpoint: registration.endpoint,
    ...(rotation ? { rotation } : {}),
  });
  const reply = await sendMessage(hostUrl, "RegisterVendor", envelope, options);
  if (reply.vendorId !== vendorId) {
    throw new QuickPayError("mismatch", `the host registered ${reply.vendorId}, expected ${vendorId}`);
  }
  return reply.vendorId;
}

/**
 * §4.1 Administration: Register Wallet, Register Vendor (with the origin proof it is checked against
 * and the key rotation it may carry), Add Broker, and the directory they fill.
 */
import { z } from "zod";
import { signObject, verifyObject } from "../order";
import {
  BrokerId,
  HttpUrl,
  Origin,
  PlayerId,
  PublicKey,
  ShortText,
  Signature,
  Timestamp,
  VendorId,
  WalletId,
} from "../schemas";
import { defineMessage } from "./define";

/**
 * Where a shop proves it controls an origin, in the spirit of ACME http-01 (RFC 8555 §8.3): while
 * registering, the host GETs `${origin}${VENDOR_ORIGIN_PROOF_PATH}` and looks for the registering key
 * in the `VendorOriginProof` there. RFC 8615 well-known URI.
 */
export const VENDOR_ORIGIN_PROOF_PATH = "/.well-known/quickpay.json";

/** Largest proof document the host reads; a few keys take a few hundred bytes. */
export const VENDOR_ORIGIN_PROOF_MAX_BYTES = 16 * 1024;

/**
 * The document at `VENDOR_ORIGIN_PROOF_PATH`, served as `application/json`: the vendor keys that may
 * claim this origin — one, or the old and the new key while a rotation is under way. Members other
 * than `vendorKeys` are ignored, so a later version can add some.
 */
export const VendorOriginProof = z.object({ vendorKeys: z.array(PublicKey).min(1).max(8) });
export type VendorOriginProof = z.infer<typeof VendorOriginProof>;

/** The proof document for these keys (what a shop serves at `VENDOR_ORIGIN_PROOF_PATH`). */
export function vendorOriginProof(publicKeys: string | readonly string[]): VendorOriginProof {
  return VendorOriginProof.parse({
    vendorKeys: typeof publicKeys === "string" ? [publicKeys] : [...publicKeys],
  });
}

/**
 * What the old key signs to hand its vendor over to a new key: canonical JSON of
 * `{ type: "VendorKeyRotation", from: <old vendor id>, to: <new public key> }`. The `type` keeps it
 * from ever reading as another signed document (an envelope has `id`, `at` and `body`; an order, an
 * endorsement or a certificate has none of these members).
 */
export function vendorKeyRotationStatement(fromVendorId: string, toPublicKey: string) {
  return { type: "VendorKeyRotation", from: fromVendorId, to: toPublicKey } as const;
}

/** The old vendor's consent, carried in Register Vendor by the new key: `sig` by the old key. */
export const VendorKeyRotation = z.object({ from: VendorId, sig: Signature }).strict();
export type VendorKeyRotation = z.infer<typeof VendorKeyRotation>;

/** Signs the rotation of `fromVendorId` (whose private key this is) to `toPublicKey`. */
export async function signVendorKeyRotation(
  fromPrivateKey: string,
  fromVendorId: string,
  toPublicKey: string,
): Promise<VendorKeyRotation> {
  return {
    from: fromVendorId,
    sig: await signObject(fromPrivateKey, vendorKeyRotationStatement(fromVendorId, toPublicKey)),
  };
}

/** True when the old vendor's key (`fromPublicKey`) signed this rotation to `toPublicKey`. */
export function verifyVendorKeyRotation(
  rotation: VendorKeyRotation,
  fromPublicKey: string,
  toPublicKey: string,
): Promise<boolean> {
  return verifyObject(fromPublicKey, vendorKeyRotationStatement(rotation.from, toPublicKey), rotation.sig);
}

export const RegisterWallet = defineMessage({
  type: "RegisterWallet",
  path: "/v1/register-wallet",
  from: "wallet",
  to: "host",
  auth: "envelope",
  summary: "A Wallet registers its public key; its id is derived from that key.",
  body: z.object({ publicKey: PublicKey }).strict(),
  reply: z.object({ walletId: WalletId }).strict(),
});

export const RegisterVendor = defineMessage({
  type: "RegisterVendor",
  path: "/v1/register-vendor",
  from: "vendor",
  to: "host",
  auth: "envelope",
  summary:
    "A vendor registers its key, name, shop origins (each proven at its /.well-known/quickpay.json) and " +
    "QuickPay endpoint (on one of them); with `rotation`, the old key hands its vendor over to this one.",
  body: z
    .object({
      publicKey: PublicKey,
      name: ShortText,
      origins: z.array(Origin).min(1).max(20),
      endpoint: HttpUrl,
      /** Present when this key replaces another vendor key: the old vendor is suspended. */
      rotation: VendorKeyRotation.optional(),
    })
    .strict(),
  reply: z.object({ vendorId: VendorId }).strict(),
});

export const AddBroker = defineMessage({
  type: "AddBroker",
  path: "/v1/admin/add-broker",
  from: "operator",
  to: "host",
  auth: "operator",
  summary: "The host operator admits a financial broker to the directory.",
  body: z.object({ publicKey: PublicKey, name: ShortText, endpoint: HttpUrl }).strict(),
  reply: z.object({ brokerId: BrokerId }).strict(),
});

export const PlayerStatus = z.enum(["active", "suspended"]);

/** What the directory tells anyone about a player. Never who a wallet's person is. */
export const DirectoryEntry = z
  .object({
    id: PlayerId,
    kind: z.enum(["wallet", "vendor", "broker", "host"]),
    publicKey: PublicKey,
    status: PlayerStatus,
    registeredAt: Timestamp,
    name: ShortText.optional(),
    endpoint: HttpUrl.optional(),
    origins: z.array(Origin).optional(),
  })
  .strict();
export type DirectoryEntry = z.infer<typeof DirectoryEntry>;

/** GET paths of the directory (not messages: public, cacheable reads). */
export const directoryPaths = {
  /** `GET /v1/directory/:playerId` → DirectoryEntry */
  player: (playerId: string) => `/v1/directory/${encodeURIComponent(playerId)}`,
  /** `GET /v1/directory?origin=…` → DirectoryEntry of the vendor whose shop is at that origin */
  vendorByOrigin: (origin: string) => `/v1/directory?origin=${encodeURIComponent(origin)}`,
  /** `GET /v1/host` → the host's own DirectoryEntry */
  host: () => "/v1/host",
} as const;

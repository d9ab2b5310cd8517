/** §4.1 Administration: Register Wallet, Register Vendor, Add Broker, and the directory they fill. */
import { z } from "zod";
import {
  BrokerId,
  HttpUrl,
  Origin,
  PlayerId,
  PublicKey,
  ShortText,
  Timestamp,
  VendorId,
  WalletId,
} from "../schemas";
import { defineMessage } from "./define";

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
  summary: "A vendor registers its key, name, shop origins and QuickPay endpoint.",
  body: z
    .object({
      publicKey: PublicKey,
      name: ShortText,
      origins: z.array(Origin).min(1).max(20),
      endpoint: HttpUrl,
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

/**
 * Test players: a wallet or vendor is just a key pair registered with a real host, plus an in-memory
 * Paycard storage and the PaycardContext a Wallet would give a module. Node only (tests).
 */

import { sharedProofServer } from "@quickpay/host-server";
import {
  DirectoryEntry,
  directoryPaths,
  endpointUrl,
  generateKeyPair,
  getJson,
  type KeyPair,
  playerIdFor,
  type Signer,
  sendMessage,
  signEnvelope,
} from "@quickpay/protocol";
import type { Json, PaycardContext, PaycardStorage } from "../interface";

export interface TestPlayer {
  id: string;
  keys: KeyPair;
  signer: Signer;
}

export async function registerTestWallet(hostUrl: string): Promise<TestPlayer> {
  const keys = generateKeyPair();
  // The host derives the id from the key; the envelope is signed under that same id.
  const id = playerIdFor("wallet", keys.publicKey);
  const signer = { playerId: id, privateKey: keys.privateKey };
  const envelope = await signEnvelope(signer, "RegisterWallet", { publicKey: keys.publicKey });
  const { walletId } = await sendMessage(hostUrl, "RegisterWallet", envelope);
  if (walletId !== id) throw new Error(`host named the wallet ${walletId}, expected ${id}`);
  return { id, keys, signer };
}

/**
 * A vendor registered with its own origin, proven the real way: the host (in loopback mode) fetches
 * `/.well-known/quickpay.json` from a fresh origin of the shared proof server that lists its key.
 * `origin` (whose server must serve that proof itself) and `endpoint` (on it) override.
 */
export async function registerTestVendor(
  hostUrl: string,
  options: { name?: string; origin?: string; endpoint?: string } = {},
): Promise<TestPlayer> {
  const keys = generateKeyPair();
  const id = playerIdFor("vendor", keys.publicKey);
  const signer = { playerId: id, privateKey: keys.privateKey };
  const origin = options.origin ?? (await sharedProofServer()).originFor(keys.publicKey);
  const envelope = await signEnvelope(signer, "RegisterVendor", {
    publicKey: keys.publicKey,
    name: options.name ?? "Test Shop",
    origins: [origin],
    endpoint: options.endpoint ?? `${origin}/quickpay`,
  });
  const { vendorId } = await sendMessage(hostUrl, "RegisterVendor", envelope);
  if (vendorId !== id) throw new Error(`host named the vendor ${vendorId}, expected ${id}`);
  return { id, keys, signer };
}

export async function lookupPlayer(hostUrl: string, playerId: string): Promise<DirectoryEntry> {
  return getJson(endpointUrl(hostUrl, directoryPaths.player(playerId)), DirectoryEntry);
}

/** A module's storage as the Wallet would give it, in memory; `data` is there to inspect. */
export function memoryStorage(): PaycardStorage & { data: Map<string, Json> } {
  const data = new Map<string, Json>();
  return {
    data,
    async get(key) {
      const value = data.get(key);
      return value === undefined ? undefined : structuredClone(value);
    },
    async set(key, value) {
      // A round trip through JSON proves the module stores only JSON-serialisable data.
      data.set(key, JSON.parse(JSON.stringify(value)) as Json);
    },
    async delete(key) {
      data.delete(key);
    },
  };
}

/** The context a Wallet gives a module: signing as this wallet, the broker's directory entry, storage. */
export function paycardContext(
  wallet: TestPlayer,
  broker: DirectoryEntry,
  storage: PaycardStorage = memoryStorage(),
): PaycardContext {
  return {
    walletId: wallet.id,
    broker,
    storage,
    fetch: (input, init) => fetch(input, init),
    signEnvelope: (type, body, options) => signEnvelope(wallet.signer, type, body, options),
  };
}

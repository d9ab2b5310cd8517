/**
 * The host's own Ed25519 key pair (`h_…`), which signs settlement approvals. Kept in the store's meta
 * table, so every host process on one database signs with the same key; made on first start.
 */
import { generateKeyPair, type KeyPair, playerIdFor } from "@quickpay/protocol";
import type { HostStore } from "./store/types";

const META_KEY = "host-key";

export async function loadHostKey(
  store: HostStore,
  now: Date,
): Promise<{ id: string; keys: KeyPair; registeredAt: string }> {
  const proposed = JSON.stringify({ ...generateKeyPair(), createdAt: now.toISOString() });
  const stored = JSON.parse(await store.initMeta(META_KEY, proposed)) as KeyPair & { createdAt: string };
  const keys = { publicKey: stored.publicKey, privateKey: stored.privateKey };
  return { id: playerIdFor("host", keys.publicKey), keys, registeredAt: stored.createdAt };
}

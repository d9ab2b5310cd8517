/**
 * The wallet's own identity: its Ed25519 key pair (made once, on first run, kept in IndexedDB and
 * never sent anywhere) and its Register Wallet, queued in the outbox until the host acknowledges it.
 */
import { generateKeyPair, newMessageId, playerIdFor, type Signer } from "@quickpay/protocol";
import type { OutboxWriteTx, WalletDatabase, WalletMeta } from "./db";
import type { WalletLock } from "./lock";
import type { Outbox } from "./outbox";

/**
 * Makes the key pair and queues Register Wallet if this is the first run; otherwise does nothing.
 * Called on install and on every service-worker start (a previous start may have died halfway).
 */
export async function ensureWallet(
  db: WalletDatabase,
  outbox: Outbox,
  now = new Date(),
): Promise<WalletMeta> {
  const tx = db.transaction(["keys", "meta"], "readwrite");
  let keys = await tx.objectStore("keys").get("wallet");
  if (!keys) {
    const pair = generateKeyPair();
    keys = { id: "wallet", ...pair, createdAt: now.toISOString() };
    await tx.objectStore("keys").put(keys);
  }
  let meta = await tx.objectStore("meta").get("wallet");
  if (!meta) {
    meta = {
      id: "wallet",
      walletId: playerIdFor("wallet", keys.publicKey),
      registered: false,
      registerMessageId: newMessageId(),
    };
    await tx.objectStore("meta").put(meta);
  }
  await tx.done;
  if (!meta.registered)
    await outbox.enqueue("RegisterWallet", { publicKey: keys.publicKey }, meta.registerMessageId);
  return meta;
}

/** The wallet's signer; with a local password set, throws `wallet_locked` while the Wallet is locked. */
export async function walletSigner(db: WalletDatabase, lock?: WalletLock): Promise<Signer | undefined> {
  const read = async () => {
    const [keys, meta] = await Promise.all([db.get("keys", "wallet"), db.get("meta", "wallet")]);
    if (!keys || !meta) return undefined;
    const privateKey = lock ? await lock.privateKey(keys) : keys.privateKey;
    return { playerId: meta.walletId, privateKey };
  };
  // Read and opened in one turn of the lock: no password change falls between (lock.ts).
  return lock ? lock.serialized(read) : read();
}

/** Called when the host acknowledges Register Wallet, in the outbox's acknowledging transaction. */
export async function markRegistered(tx: OutboxWriteTx, walletId: string, now: Date): Promise<void> {
  const store = tx.objectStore("meta");
  const meta = await store.get("wallet");
  if (!meta) return;
  if (meta.walletId !== walletId) {
    // The host derives the id from the key exactly as we do; a difference means a protocol mismatch.
    console.warn(`host registered wallet as ${walletId}, expected ${meta.walletId}`);
  }
  await store.put({ ...meta, walletId, registered: true, registeredAt: now.toISOString() });
}

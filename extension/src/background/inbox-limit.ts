/**
 * How much of the inbox the Wallet keeps: a bound applied in the same transaction as every write
 * that adds messages, so no crash or burst of mail leaves it over the bound for long.
 *
 * Kept: the newest `INBOX_KEEP` messages. Over that, the oldest (in mailbox order) go first among
 * those the shopper has read, then among unread ones that arrived more than `UNREAD_KEPT_MS` ago.
 * An unread message younger than that stays even over `INBOX_KEEP` — the shopper has not seen it
 * yet — up to `INBOX_HARD_CAP`, past which the oldest go whatever their state, so a sender flooding
 * the mailbox cannot fill the shopper's disk. Age is when this Wallet fetched the message (its own
 * clock), not the sender's `postedAt`: a Wallet offline for months still shows what waited for it.
 */
import type { IDBPObjectStore, StoreNames } from "idb";
import type { StoredMail, WalletDB } from "./db";

/** Messages kept in the normal course (the popup shows the newest 50). */
export const INBOX_KEEP = 500;
/** An unread message fetched less than this long ago is kept over `INBOX_KEEP`. */
export const UNREAD_KEPT_MS = 30 * 24 * 60 * 60_000;
/** The most the inbox ever holds: ten full fetches of unread mail (10 pages of 100) and more. */
export const INBOX_HARD_CAP = 2_000;

/** Which messages to drop from `all` (in mailbox order, oldest first) to keep within the bound. */
export function inboxDrops(all: readonly StoredMail[], now: Date): string[] {
  const dropped = new Set<string>();
  const take = (excess: number, which: (m: StoredMail) => boolean) => {
    for (const m of all) {
      if (excess <= 0) return;
      if (dropped.has(m.id) || !which(m)) continue;
      dropped.add(m.id);
      excess--;
    }
  };
  const over = () => all.length - dropped.size - INBOX_KEEP;
  take(over(), (m) => m.unread === 0);
  const cutoff = now.getTime() - UNREAD_KEPT_MS;
  take(over(), (m) => Date.parse(m.fetchedAt) < cutoff);
  take(all.length - dropped.size - INBOX_HARD_CAP, () => true);
  return [...dropped];
}

/** Applies the bound inside the caller's readwrite transaction; answers how many messages went. */
export async function pruneInbox<S extends ArrayLike<StoreNames<WalletDB>>>(
  inbox: IDBPObjectStore<WalletDB, S, "inbox", "readwrite">,
  now: Date,
): Promise<number> {
  if ((await inbox.count()) <= INBOX_KEEP) return 0;
  const drops = inboxDrops(await inbox.index("bySeq").getAll(), now);
  for (const id of drops) await inbox.delete(id);
  return drops.length;
}

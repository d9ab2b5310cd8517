/**
 * Per-order serialisation across every host process: a transaction that reads an order's
 * registrations to decide (flagging, majority vote, revoke, settle) first takes a transaction-scoped
 * advisory lock on the digest. Locks are always taken in ascending key order, so two transactions
 * never wait on each other in a cycle.
 */
import { createHash } from "node:crypto";
import { named, type Queryable } from "./rows";

/** A signed 64-bit key from SHA-256 of the digest (any string works; collisions only serialise more). */
export function digestLockKey(digest: string): bigint {
  return createHash("sha256").update(digest).digest().readBigInt64BE(0);
}

/** Locks the digests until COMMIT/ROLLBACK, in ascending key order. */
export async function lockDigests(db: Queryable, digests: Iterable<string>): Promise<void> {
  const keys = [...new Set([...digests].map(digestLockKey))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (keys.length === 0) return;
  await named(
    db,
    "qp_lock_digests",
    "SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) WITH ORDINALITY AS t(k, n) ORDER BY n",
    [keys.map(String)],
  );
}

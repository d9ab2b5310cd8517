/**
 * The hot path: a run of `register` writes (single or batched registrations) applied set-wise in a
 * handful of statements, however many writes group commit collected:
 *   1. claim the idempotency keys — INSERT … ON CONFLICT DO NOTHING, in key order; a key held by a
 *      transaction still in flight (this or another process) makes us wait for its outcome;
 *   2. read the stored fingerprint and result of the keys we did not claim (repeat or conflict);
 *   3. lock the digests we register, in key order, and read their earlier registrations;
 *   4. decide `flagged` with the shared rules, insert the registrations and the results in one
 *      statement. Everything commits together with the caller's transaction.
 * These statements stay unnamed (planned per call): a prepared statement's generic plan cannot see
 * how long the arrays are and picks sequential scans of the growing tables (measured: 5× slower).
 */
import { isFlagged } from "../rules";
import type { EffectResult, Outcome, RegisteredResult, RegistrationInput, Write } from "../types";
import { lockDigests } from "./locks";
import type { Queryable } from "./rows";

type RegisterWrite = Write<Extract<Write["effect"], { kind: "register" }>>;

const keyOf = (w: Write) => `${w.from}\u0000${w.messageId}`;
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The registrations already stored for the digests `$1`, in the order they were recorded: one index
 * probe per digest, whatever the statistics say. Written as `order_digest = ANY($1)`, the plan hung
 * on them: before the table's first ANALYZE (a new database, or a bulk load that outran autovacuum)
 * PostgreSQL assumes a digest matches 0.5% of the rows, and for a group commit of 200 digests on
 * 370k rows it chose a parallel sequential scan, 75 ms instead of 0.3 ms. The LATERAL subquery (kept
 * apart by OFFSET 0) is planned as a lookup by digest.
 */
export const EARLIER_REGISTRATIONS = `SELECT r.order_digest, r.side, r.commit_id, r.vendor_id, r.currency, r.micros
  FROM unnest($1::text[]) AS d(digest)
  CROSS JOIN LATERAL (SELECT order_digest, side, commit_id, vendor_id, currency, micros, seq
    FROM registrations WHERE order_digest = d.digest OFFSET 0) r
  ORDER BY r.seq`;

export async function applyRegisterRun(db: Queryable, writes: RegisterWrite[]): Promise<Outcome[]> {
  // The first write of each key goes to the database; later ones in this run follow its fate.
  // Positions, not objects: a caller may pass the same write object twice.
  const leaders = new Map<string, number>();
  writes.forEach((w, i) => {
    if (!leaders.has(keyOf(w))) leaders.set(keyOf(w), i);
  });
  const sorted = [...leaders.values()]
    .map((i) => writes[i] as RegisterWrite)
    .sort((a, b) => compare(a.from, b.from) || compare(a.messageId, b.messageId));

  const claimed = await db.query<{ sender: string; message_id: string }>(
    `INSERT INTO idempotency (sender, message_id, fingerprint, recorded_at)
     SELECT s, m, f, a FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
       AS t(s, m, f, a, n) ORDER BY n
     ON CONFLICT (message_id, sender) DO NOTHING RETURNING sender, message_id`,
    [
      sorted.map((w) => w.from),
      sorted.map((w) => w.messageId),
      sorted.map((w) => w.fingerprint),
      sorted.map((w) => w.at),
    ],
  );
  const owned = new Set(claimed.rows.map((r) => `${r.sender}\u0000${r.message_id}`));

  // What is stored under each key once this transaction commits: fingerprint and result.
  const stored = new Map<string, { fingerprint: string; result: unknown }>();
  const others = sorted.filter((w) => !owned.has(keyOf(w)));
  if (others.length > 0) {
    const { rows } = await db.query<{
      sender: string;
      message_id: string;
      fingerprint: string;
      result: unknown;
    }>(
      `SELECT i.sender, i.message_id, i.fingerprint, i.result FROM idempotency i
       JOIN unnest($1::text[], $2::text[]) AS t(s, m) ON i.sender = t.s AND i.message_id = t.m`,
      [others.map((w) => w.from), others.map((w) => w.messageId)],
    );
    for (const r of rows)
      stored.set(`${r.sender}\u0000${r.message_id}`, { fingerprint: r.fingerprint, result: r.result });
  }

  // Writes we own, in batch order (the order their registrations are recorded in).
  const mine = writes.filter((w, i) => owned.has(keyOf(w)) && leaders.get(keyOf(w)) === i);
  if (mine.length > 0) {
    const digests = new Set(mine.flatMap((w) => w.effect.registrations.map((r) => r.orderDigest)));
    await lockDigests(db, digests);
    const earlier = new Map<string, RegistrationInput[]>();
    const { rows } = await db.query<{
      order_digest: string;
      side: RegistrationInput["side"];
      commit_id: string;
      vendor_id: string;
      currency: string;
      micros: number;
    }>(EARLIER_REGISTRATIONS, [[...digests]]);
    for (const r of rows) {
      const list = earlier.get(r.order_digest) ?? [];
      list.push({
        side: r.side,
        orderDigest: r.order_digest,
        commitId: r.commit_id,
        vendorId: r.vendor_id,
        amount: { currency: r.currency, micros: Number(r.micros) },
      });
      earlier.set(r.order_digest, list);
    }

    const cols = {
      digest: [] as string[],
      side: [] as string[],
      commit: [] as string[],
      vendor: [] as string[],
      currency: [] as string[],
      micros: [] as number[],
      endorsement: [] as (string | null)[],
      sender: [] as string[],
      message: [] as string[],
      at: [] as string[],
      flagged: [] as boolean[],
      salt: [] as (string | null)[],
    };
    const results = { sender: [] as string[], message: [] as string[], result: [] as string[] };
    for (const w of mine) {
      const registered: RegisteredResult[] = [];
      for (const r of w.effect.registrations) {
        const before = earlier.get(r.orderDigest) ?? [];
        const flagged = isFlagged(r, before);
        before.push(r);
        earlier.set(r.orderDigest, before);
        cols.digest.push(r.orderDigest);
        cols.side.push(r.side);
        cols.commit.push(r.commitId);
        cols.vendor.push(r.vendorId);
        cols.currency.push(r.amount.currency);
        cols.micros.push(r.amount.micros);
        cols.endorsement.push(r.endorsement ? JSON.stringify(r.endorsement) : null);
        cols.sender.push(w.from);
        cols.message.push(w.messageId);
        cols.at.push(w.at);
        cols.flagged.push(flagged);
        cols.salt.push(r.payerSalt ?? null);
        registered.push({ orderDigest: r.orderDigest, side: r.side, recordedAt: w.at, flagged });
      }
      const result: EffectResult["register"] = { registered };
      stored.set(keyOf(w), { fingerprint: w.fingerprint, result });
      results.sender.push(w.from);
      results.message.push(w.messageId);
      results.result.push(JSON.stringify(result));
    }
    await db.query(
      `WITH added AS (
         INSERT INTO registrations (order_digest, side, commit_id, vendor_id, currency, micros, endorsement,
           sender, message_id, recorded_at, flagged, payer_salt)
         SELECT d, s, c, v, cur, mic, e::json, snd, msg, a, f, salt
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[],
           $8::text[], $9::text[], $10::text[], $11::boolean[], $15::text[]) WITH ORDINALITY
           AS t(d, s, c, v, cur, mic, e, snd, msg, a, f, salt, n)
         ORDER BY n)
       UPDATE idempotency i SET result = u.r::json
       FROM unnest($12::text[], $13::text[], $14::text[]) AS u(s, m, r)
       WHERE i.sender = u.s AND i.message_id = u.m`,
      [
        cols.digest,
        cols.side,
        cols.commit,
        cols.vendor,
        cols.currency,
        cols.micros,
        cols.endorsement,
        cols.sender,
        cols.message,
        cols.at,
        cols.flagged,
        results.sender,
        results.message,
        results.result,
        cols.salt,
      ],
    );
  }

  return writes.map((w, i): Outcome => {
    const key = keyOf(w);
    const s = stored.get(key);
    if (!s) throw new Error(`idempotency record for ${w.from}/${w.messageId} vanished`);
    if (leaders.get(key) === i && owned.has(key)) return { status: "applied", result: s.result };
    return s.fingerprint === w.fingerprint
      ? { status: "repeat", result: s.result }
      : { status: "conflict", message: `message id ${w.messageId} was already used with another body` };
  });
}

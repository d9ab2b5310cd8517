/** The PostgreSQL store's reads and row → record mapping, used inside write transactions and outside. */
import type pg from "pg";
import {
  toPlayer as mapPlayer,
  toSettlement as mapSettlement,
  type Row,
  toMail,
  toRegistration,
  toRevoke,
} from "../row-mapping";
import type { MailRecord, PlayerRecord, RevokeRecord, SettlementRecord, StoredRegistration } from "../types";

/** pg parses json columns itself. */
const asIs = (value: unknown): unknown => value;

/** A pool or a client inside a transaction: both answer queries. */
export type Queryable = Pick<pg.PoolClient, "query">;

/**
 * A named statement: parsed and planned once per connection, then only bound and executed. For the
 * statements every request or batch runs; the name must always go with the same text.
 */
export function named<R extends pg.QueryResultRow = pg.QueryResultRow>(
  db: Queryable,
  name: string,
  text: string,
  values: unknown[],
): Promise<pg.QueryResult<R>> {
  return db.query<R>({ name, text, values });
}

type PlayerRow = Row & { origins: string[] | null };

// Origins ride along as an array so a player is one round trip.
const PLAYER_SELECT = `
  SELECT p.*, (SELECT array_agg(o.origin ORDER BY o.position) FROM vendor_origins o WHERE o.vendor_id = p.id)
    AS origins
  FROM players p`;

export function toPlayer(row: PlayerRow): PlayerRecord {
  return mapPlayer(row, row.origins);
}

export async function getPlayer(db: Queryable, id: string): Promise<PlayerRecord | undefined> {
  // The host looks the sender up on every request.
  const { rows } = await named<PlayerRow>(db, "qp_player", `${PLAYER_SELECT} WHERE p.id = $1`, [id]);
  return rows[0] && toPlayer(rows[0]);
}

export async function findVendorByOrigin(db: Queryable, origin: string): Promise<PlayerRecord | undefined> {
  const { rows } = await db.query<PlayerRow>(
    `${PLAYER_SELECT} WHERE p.id = (SELECT vendor_id FROM vendor_origins WHERE origin = $1)`,
    [origin],
  );
  return rows[0] && toPlayer(rows[0]);
}

export async function listPlayers(
  db: Queryable,
  options: { limit?: number; after?: string; kind?: PlayerRecord["kind"] } = {},
): Promise<PlayerRecord[]> {
  const { rows } = await db.query<PlayerRow>(
    `${PLAYER_SELECT} WHERE ($1::text IS NULL OR p.kind = $1) AND ($2::text IS NULL OR p.id > $2)
     ORDER BY p.id LIMIT $3`,
    [options.kind ?? null, options.after ?? null, options.limit ?? null],
  );
  return rows.map(toPlayer);
}

/** Every registration of one digest, in the order recorded. */
export async function registrations(db: Queryable, digest: string): Promise<StoredRegistration[]> {
  const { rows } = await db.query<Row>("SELECT * FROM registrations WHERE order_digest = $1 ORDER BY seq", [
    digest,
  ]);
  return rows.map((r) => toRegistration(r, asIs));
}

/** Per broker; in the order recorded (ISO times compared bytewise, the broker id breaks a tie). */
export async function revokes(db: Queryable, digest: string): Promise<RevokeRecord[]> {
  const { rows } = await db.query<Row>(
    `SELECT * FROM revokes WHERE order_digest = $1 ORDER BY revoked_at COLLATE "C", broker_id`,
    [digest],
  );
  return rows.map(toRevoke);
}

export function toSettlement(r: Row): SettlementRecord {
  return mapSettlement(r, asIs);
}

/** Per broker; in the order recorded, as `revokes`. */
export async function settlements(db: Queryable, digest: string): Promise<SettlementRecord[]> {
  const { rows } = await db.query(
    `SELECT * FROM settlements WHERE order_digest = $1 ORDER BY settled_at, broker_id`,
    [digest],
  );
  return rows.map(toSettlement);
}

export async function fetchMail(
  db: Queryable,
  recipient: string,
  cursor: string | undefined,
  limit: number,
): Promise<MailRecord[]> {
  const after = cursor === undefined ? 0 : Number(cursor);
  if (!Number.isSafeInteger(after)) return [];
  const { rows } = await db.query("SELECT * FROM mail WHERE recipient = $1 AND n > $2 ORDER BY n LIMIT $3", [
    recipient,
    after,
    limit,
  ]);
  return rows.map((m) => toMail(m, m.n, asIs));
}

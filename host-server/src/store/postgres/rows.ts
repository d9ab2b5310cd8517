/** The PostgreSQL store's reads and row → record mapping, used inside write transactions and outside. */
import type pg from "pg";
import type { MailRecord, PlayerRecord, RevokeRecord, SettlementRecord, StoredRegistration } from "../types";

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

interface PlayerRow {
  id: string;
  kind: PlayerRecord["kind"];
  public_key: string;
  status: PlayerRecord["status"];
  registered_at: string;
  name: string | null;
  endpoint: string | null;
  origins: string[] | null;
}

// Origins ride along as an array so a player is one round trip.
const PLAYER_SELECT = `
  SELECT p.*, (SELECT array_agg(o.origin ORDER BY o.position) FROM vendor_origins o WHERE o.vendor_id = p.id)
    AS origins
  FROM players p`;

export function toPlayer(row: PlayerRow): PlayerRecord {
  const p: PlayerRecord = {
    id: row.id,
    kind: row.kind,
    publicKey: row.public_key,
    status: row.status,
    registeredAt: row.registered_at,
  };
  if (row.name !== null) p.name = row.name;
  if (row.endpoint !== null) p.endpoint = row.endpoint;
  if (row.kind === "vendor") p.origins = row.origins ?? [];
  return p;
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

interface RegistrationRow {
  order_digest: string;
  side: StoredRegistration["side"];
  commit_id: string;
  vendor_id: string;
  currency: string;
  micros: number;
  endorsement: StoredRegistration["endorsement"] | null;
  sender: string;
  message_id: string;
  recorded_at: string;
  flagged: boolean;
}

function toRegistration(r: RegistrationRow): StoredRegistration {
  const reg: StoredRegistration = {
    side: r.side,
    orderDigest: r.order_digest,
    commitId: r.commit_id,
    vendorId: r.vendor_id,
    amount: { currency: r.currency, micros: Number(r.micros) },
    from: r.sender,
    messageId: r.message_id,
    recordedAt: r.recorded_at,
    flagged: r.flagged,
  };
  if (r.endorsement !== null) reg.endorsement = r.endorsement;
  return reg;
}

/** Every registration of one digest, in the order recorded. */
export async function registrations(db: Queryable, digest: string): Promise<StoredRegistration[]> {
  const { rows } = await db.query<RegistrationRow>(
    "SELECT * FROM registrations WHERE order_digest = $1 ORDER BY seq",
    [digest],
  );
  return rows.map(toRegistration);
}

export async function revoke(db: Queryable, digest: string): Promise<RevokeRecord | null> {
  const { rows } = await db.query("SELECT * FROM revokes WHERE order_digest = $1", [digest]);
  const r = rows[0];
  if (!r) return null;
  const record: RevokeRecord = {
    orderDigest: r.order_digest,
    commitId: r.commit_id,
    vendorId: r.vendor_id,
    brokerId: r.broker_id,
    amount: { currency: r.currency, micros: Number(r.micros) },
    messageId: r.message_id,
    revokedAt: r.revoked_at,
  };
  if (r.reason !== null) record.reason = r.reason;
  return record;
}

export function toSettlement(r: Record<string, unknown>): SettlementRecord {
  const record: SettlementRecord = {
    orderDigest: r.order_digest as string,
    vendorId: r.vendor_id as string,
    brokerId: r.broker_id as string,
    commitId: r.commit_id as string,
    amount: { currency: r.currency as string, micros: Number(r.micros) },
    path: r.path as SettlementRecord["path"],
    settledAt: r.settled_at as string,
  };
  if (r.approval !== null && r.approval !== undefined) record.approval = r.approval;
  return record;
}

export async function settlement(db: Queryable, digest: string): Promise<SettlementRecord | null> {
  const { rows } = await db.query("SELECT * FROM settlements WHERE order_digest = $1", [digest]);
  return rows[0] ? toSettlement(rows[0]) : null;
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
  return rows.map((m) => ({
    cursor: String(m.n),
    to: m.recipient,
    from: m.sender,
    messageId: m.message_id,
    kind: m.kind,
    body: m.body,
    postedAt: m.posted_at,
  }));
}

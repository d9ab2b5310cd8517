/**
 * The PostgreSQL store's versioned migrations, run on start. Several host processes may start at
 * once against one database: a session advisory lock makes them take turns, and each migration is
 * one transaction recorded in `schema_migrations`. Add new versions at the end; never edit one.
 */
import type pg from "pg";

/** Advisory-lock key (two int4s) for migrations; digests use the bigint key space, which is separate. */
const MIGRATION_LOCK = [0x51_50_48_53, 1] as const; // "QPHS", 1

// Documents are \`json\`, not \`jsonb\`: kept verbatim, so a repeat gets the stored response byte for
// byte (jsonb would reorder its keys) and nothing is parsed on insert; nothing queries inside them.
// Ids, digests and ISO times compare bytewise (COLLATE "C"), so ordering matches SQLite and JS sort.
export const postgresMigrations: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE players (
        id text COLLATE "C" PRIMARY KEY,
        kind text NOT NULL,
        public_key text NOT NULL,
        status text NOT NULL,
        registered_at text NOT NULL,
        name text,
        endpoint text
      );
      CREATE INDEX players_kind ON players (kind, id);
      -- An origin belongs to at most one vendor: the primary key arbitrates concurrent claims.
      CREATE TABLE vendor_origins (
        origin text PRIMARY KEY,
        vendor_id text COLLATE "C" NOT NULL REFERENCES players (id),
        position int NOT NULL
      );
      CREATE INDEX vendor_origins_vendor ON vendor_origins (vendor_id, position);
      -- Exactly-once: (sender, message_id) is the primary key, inserted in the same transaction as
      -- the effect; kept as long as the orders they protect (never expired).
      CREATE TABLE idempotency (
        sender text COLLATE "C" NOT NULL,
        message_id text COLLATE "C" NOT NULL,
        fingerprint text NOT NULL,
        result json,
        recorded_at text NOT NULL,
        PRIMARY KEY (sender, message_id)
      );
      CREATE TABLE registrations (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        order_digest text COLLATE "C" NOT NULL,
        side text NOT NULL,
        commit_id text NOT NULL,
        vendor_id text NOT NULL,
        currency text NOT NULL,
        micros bigint NOT NULL,
        endorsement json,
        sender text NOT NULL,
        message_id text NOT NULL,
        recorded_at text NOT NULL,
        flagged boolean NOT NULL
      );
      CREATE INDEX registrations_digest ON registrations (order_digest, seq);
      CREATE TABLE revokes (
        order_digest text COLLATE "C" PRIMARY KEY,
        commit_id text NOT NULL,
        vendor_id text NOT NULL,
        broker_id text NOT NULL,
        currency text NOT NULL,
        micros bigint NOT NULL,
        reason text,
        message_id text NOT NULL,
        revoked_at text NOT NULL
      );
      -- At most one settlement per order, whichever path settles it.
      CREATE TABLE settlements (
        order_digest text COLLATE "C" PRIMARY KEY,
        vendor_id text NOT NULL,
        broker_id text NOT NULL,
        commit_id text NOT NULL,
        currency text NOT NULL,
        micros bigint NOT NULL,
        path text NOT NULL,
        settled_at text COLLATE "C" NOT NULL,
        approval json
      );
      CREATE INDEX settlements_time ON settlements (settled_at, order_digest);
      -- Mailbox cursors are per recipient and handed out under the recipient's row lock in
      -- mail_heads, so a cursor never appears behind one a reader has already passed.
      CREATE TABLE mail_heads (
        recipient text COLLATE "C" PRIMARY KEY,
        last bigint NOT NULL
      );
      CREATE TABLE mail (
        recipient text COLLATE "C" NOT NULL,
        n bigint NOT NULL,
        sender text NOT NULL,
        message_id text NOT NULL,
        kind text NOT NULL,
        body json NOT NULL,
        posted_at text NOT NULL,
        PRIMARY KEY (recipient, n)
      );
      CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
    `,
  },
  {
    // Exactly-once records keyed by message id first: ids minted by `newMessageId` grow with time,
    // so new records go to the index's rightmost page rather than a random one (docs/decisions.md).
    version: 2,
    sql: `
      ALTER TABLE idempotency DROP CONSTRAINT idempotency_pkey;
      ALTER TABLE idempotency ADD PRIMARY KEY (message_id, sender);
    `,
  },
  {
    // The vote counts three independent parties (docs/decisions.md): the wallet's side opens the
    // endorsement's payer tag with its salt, and revokes and settlements are kept per broker, so a
    // second broker's record for a digest never takes the endorsing broker's place.
    version: 3,
    sql: `
      ALTER TABLE registrations ADD COLUMN payer_salt text;
      ALTER TABLE revokes ALTER COLUMN broker_id TYPE text COLLATE "C";
      ALTER TABLE revokes DROP CONSTRAINT revokes_pkey;
      ALTER TABLE revokes ADD PRIMARY KEY (order_digest, broker_id);
      ALTER TABLE settlements ALTER COLUMN broker_id TYPE text COLLATE "C";
      ALTER TABLE settlements DROP CONSTRAINT settlements_pkey;
      ALTER TABLE settlements ADD PRIMARY KEY (order_digest, broker_id);
    `,
  },
];

/** Applies pending migrations under the migration lock; returns the schema version. */
export async function migratePostgres(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1, $2)", [...MIGRATION_LOCK]);
    try {
      await client.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
      );
      const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_migrations");
      const applied = new Set(rows.map((r) => r.version));
      for (const migration of postgresMigrations) {
        if (applied.has(migration.version)) continue;
        await client.query("BEGIN");
        try {
          await client.query(migration.sql);
          await client.query("INSERT INTO schema_migrations (version) VALUES ($1)", [migration.version]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw error;
        }
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock($1, $2)", [...MIGRATION_LOCK]);
    }
    return await schemaVersion(pool);
  } finally {
    client.release();
  }
}

export async function schemaVersion(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations");
  return rows[0]?.v ?? 0;
}

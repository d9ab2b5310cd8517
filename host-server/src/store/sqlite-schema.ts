/**
 * The SQLite store's versioned migrations. Each runs once, in its own transaction, and is recorded
 * in `schema_migrations`; add new versions at the end, never edit an applied one.
 */
import type Database from "better-sqlite3";

export const sqliteMigrations: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE players (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        public_key TEXT NOT NULL,
        status TEXT NOT NULL,
        registered_at TEXT NOT NULL,
        name TEXT,
        endpoint TEXT
      );
      CREATE INDEX players_kind ON players (kind, id);
      CREATE TABLE vendor_origins (
        origin TEXT PRIMARY KEY,
        vendor_id TEXT NOT NULL REFERENCES players (id)
      );
      CREATE INDEX vendor_origins_vendor ON vendor_origins (vendor_id);
      -- Exactly-once: kept as long as the orders they protect (never expired).
      CREATE TABLE idempotency (
        sender TEXT NOT NULL,
        message_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        result TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (sender, message_id)
      ) WITHOUT ROWID;
      CREATE TABLE registrations (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        order_digest TEXT NOT NULL,
        side TEXT NOT NULL,
        commit_id TEXT NOT NULL,
        vendor_id TEXT NOT NULL,
        currency TEXT NOT NULL,
        micros INTEGER NOT NULL,
        endorsement TEXT,
        sender TEXT NOT NULL,
        message_id TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        flagged INTEGER NOT NULL
      );
      CREATE INDEX registrations_digest ON registrations (order_digest, seq);
      CREATE TABLE revokes (
        order_digest TEXT PRIMARY KEY,
        commit_id TEXT NOT NULL,
        vendor_id TEXT NOT NULL,
        broker_id TEXT NOT NULL,
        currency TEXT NOT NULL,
        micros INTEGER NOT NULL,
        reason TEXT,
        message_id TEXT NOT NULL,
        revoked_at TEXT NOT NULL
      );
      -- At most one settlement per order, whichever path settles it.
      CREATE TABLE settlements (
        order_digest TEXT PRIMARY KEY,
        vendor_id TEXT NOT NULL,
        broker_id TEXT NOT NULL,
        commit_id TEXT NOT NULL,
        currency TEXT NOT NULL,
        micros INTEGER NOT NULL,
        path TEXT NOT NULL,
        settled_at TEXT NOT NULL,
        approval TEXT
      );
      CREATE INDEX settlements_time ON settlements (settled_at, order_digest);
      CREATE TABLE mail (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        recipient TEXT NOT NULL,
        sender TEXT NOT NULL,
        message_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        posted_at TEXT NOT NULL
      );
      CREATE INDEX mail_recipient ON mail (recipient, seq);
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
  {
    // Exactly-once records keyed by message id first: ids minted by `newMessageId` grow with time,
    // so each new record lands on the index's last page rather than a random one (docs/decisions.md).
    version: 2,
    sql: `
      CREATE TABLE idempotency_v2 (
        message_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        result TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (message_id, sender)
      ) WITHOUT ROWID;
      INSERT INTO idempotency_v2 (message_id, sender, fingerprint, result, recorded_at)
        SELECT message_id, sender, fingerprint, result, recorded_at FROM idempotency;
      DROP TABLE idempotency;
      ALTER TABLE idempotency_v2 RENAME TO idempotency;
    `,
  },
  {
    // The vote counts three independent parties (docs/decisions.md): the wallet's side opens the
    // endorsement's payer tag with its salt, and revokes and settlements are kept per broker, so a
    // second broker's record for a digest never takes the endorsing broker's place.
    version: 3,
    sql: `
      ALTER TABLE registrations ADD COLUMN payer_salt TEXT;
      CREATE TABLE revokes_v3 (
        order_digest TEXT NOT NULL,
        commit_id TEXT NOT NULL,
        vendor_id TEXT NOT NULL,
        broker_id TEXT NOT NULL,
        currency TEXT NOT NULL,
        micros INTEGER NOT NULL,
        reason TEXT,
        message_id TEXT NOT NULL,
        revoked_at TEXT NOT NULL,
        PRIMARY KEY (order_digest, broker_id)
      );
      INSERT INTO revokes_v3 SELECT order_digest, commit_id, vendor_id, broker_id, currency, micros, reason,
        message_id, revoked_at FROM revokes;
      DROP TABLE revokes;
      ALTER TABLE revokes_v3 RENAME TO revokes;
      -- At most one settlement per order and broker, whichever path settles it.
      CREATE TABLE settlements_v3 (
        order_digest TEXT NOT NULL,
        vendor_id TEXT NOT NULL,
        broker_id TEXT NOT NULL,
        commit_id TEXT NOT NULL,
        currency TEXT NOT NULL,
        micros INTEGER NOT NULL,
        path TEXT NOT NULL,
        settled_at TEXT NOT NULL,
        approval TEXT,
        PRIMARY KEY (order_digest, broker_id)
      );
      INSERT INTO settlements_v3 SELECT order_digest, vendor_id, broker_id, commit_id, currency, micros, path,
        settled_at, approval FROM settlements;
      DROP TABLE settlements;
      ALTER TABLE settlements_v3 RENAME TO settlements;
      CREATE INDEX settlements_time ON settlements (settled_at, order_digest);
    `,
  },
];

/** Runs pending migrations; safe when several processes open the same file (IMMEDIATE locks). */
export function migrateSqlite(db: Database.Database): number {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
  );
  const applied = db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
  for (const migration of sqliteMigrations) {
    db.transaction(() => {
      if (applied.get(migration.version)) return;
      db.exec(migration.sql);
      db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(
        migration.version,
        new Date().toISOString(),
      );
    }).immediate();
  }
  return currentVersion(db);
}

export function currentVersion(db: Database.Database): number {
  const row = db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * The broker's SQLite ledger file: opening it durably and its schema. Money is integer micro-units;
 * times used in comparisons are epoch milliseconds.
 */
import Database from "better-sqlite3";

export type LedgerDatabase = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS accounts (
  account_id     TEXT PRIMARY KEY,
  number         TEXT NOT NULL UNIQUE,
  holder         TEXT NOT NULL,
  currency       TEXT NOT NULL,
  balance_micros INTEGER NOT NULL CHECK (balance_micros >= 0),
  -- The answer policy's secret (e.g. a PIN), salted and hashed; never the secret itself.
  secret_hash    TEXT,
  -- Wrong secrets in a row, across Add Paycard sessions, since the last right one or cool-down.
  failed_secret_attempts INTEGER NOT NULL DEFAULT 0,
  -- Cool-downs served since the last right secret (each one twice as long as the one before), and
  -- the epoch ms until which Add Paycard for this account is refused (NULL: not cooling down).
  secret_lockouts        INTEGER NOT NULL DEFAULT 0,
  secret_locked_until    INTEGER,
  status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
  created_at     INTEGER NOT NULL
);

-- Every change of an account's settled balance, so the balance is explainable: the balance is
-- always the sum of its entries (opening, deposits, captures).
CREATE TABLE IF NOT EXISTS entries (
  entry_id      INTEGER PRIMARY KEY,
  account_id    TEXT NOT NULL REFERENCES accounts(account_id),
  amount_micros INTEGER NOT NULL,
  reason        TEXT NOT NULL,
  ref           TEXT,
  at            INTEGER NOT NULL
);

-- Add Paycard sessions (Confirm Paycard → Take Question → Answer Response).
CREATE TABLE IF NOT EXISTS sessions (
  session_id    TEXT PRIMARY KEY,
  wallet_id     TEXT NOT NULL,
  module_id     TEXT NOT NULL,
  attempts_left INTEGER NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('open', 'bound', 'locked')),
  paycard_id    TEXT,
  expires_at    INTEGER NOT NULL,
  created_at    INTEGER NOT NULL
);

-- A wallet key bound to an account; the credential is stored only as its SHA-256.
CREATE TABLE IF NOT EXISTS paycards (
  paycard_id      TEXT PRIMARY KEY,
  wallet_id       TEXT NOT NULL,
  account_id      TEXT NOT NULL REFERENCES accounts(account_id),
  credential_hash TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  created_at      INTEGER NOT NULL,
  UNIQUE (wallet_id, account_id)
);

-- One signed endorsement per order digest, ever (the UNIQUE is the "never endorse twice" rule).
CREATE TABLE IF NOT EXISTS commitments (
  commit_id        TEXT PRIMARY KEY,
  order_digest     TEXT NOT NULL UNIQUE,
  paycard_id       TEXT NOT NULL REFERENCES paycards(paycard_id),
  account_id       TEXT NOT NULL REFERENCES accounts(account_id),
  vendor_id        TEXT NOT NULL,
  kind             TEXT NOT NULL CHECK (kind IN ('micro', 'regular')),
  currency         TEXT NOT NULL,
  amount_micros    INTEGER NOT NULL CHECK (amount_micros > 0),
  signed_json      TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('held', 'claimed', 'captured', 'released')),
  claimed_by       TEXT,
  claimed_at       INTEGER,
  expires_at       INTEGER NOT NULL,
  created_at       INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS commitments_held_expiry ON commitments (expires_at) WHERE status = 'held';

-- Funds reserved on an account by a commitment: live until captured (debited, at settlement) or
-- released. expires_at is when a live hold lapses if nothing more happens: the endorsement's expiry
-- while unclaimed, the claim + settleWithinMs once the vendor claimed it with Check Commit.
CREATE TABLE IF NOT EXISTS holds (
  hold_id       INTEGER PRIMARY KEY,
  account_id    TEXT NOT NULL REFERENCES accounts(account_id),
  commit_id     TEXT NOT NULL UNIQUE REFERENCES commitments(commit_id),
  amount_micros INTEGER NOT NULL CHECK (amount_micros > 0),
  status        TEXT NOT NULL CHECK (status IN ('live', 'captured', 'released')),
  expires_at    INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  closed_at     INTEGER
);
CREATE INDEX IF NOT EXISTS holds_live ON holds (account_id) WHERE status = 'live';
CREATE INDEX IF NOT EXISTS holds_live_expiry ON holds (expires_at) WHERE status = 'live';

-- Exactly-once: (sender, message id) → the reply it got.
CREATE TABLE IF NOT EXISTS idempotency (
  sender        TEXT NOT NULL,
  message_id    TEXT NOT NULL,
  type          TEXT NOT NULL,
  fingerprint   TEXT NOT NULL,
  status_code   INTEGER NOT NULL,
  response_json TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (sender, message_id)
);

-- Messages to the host (Register Commit, Register Settlement), written in the same transaction as
-- the fact they report and resent under the same message id until the host acknowledges — or,
-- when the host refuses one for good, given up (gave_up_at, last_error) for the operator to see.
CREATE TABLE IF NOT EXISTS outbox (
  outbox_id       INTEGER PRIMARY KEY,
  message_id      TEXT NOT NULL UNIQUE,
  type            TEXT NOT NULL,
  body_json       TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  acked_at        INTEGER,
  last_error      TEXT,
  -- Set when the message travels inside a batch (RegisterCommitBatch): the batch's envelope id,
  -- fixed once so the batch is resent with the same composition under the same id.
  batch_id        TEXT,
  gave_up_at      INTEGER,
  created_at      INTEGER NOT NULL
);

-- Each commitment is paid to its vendor at most once, by whichever path came first: the broker's
-- own Settle With Broker (path 'broker', ref = statement id) or a host approval (path 'host').
CREATE TABLE IF NOT EXISTS settlements (
  commit_id     TEXT PRIMARY KEY REFERENCES commitments(commit_id),
  order_digest  TEXT NOT NULL UNIQUE,
  vendor_id     TEXT NOT NULL,
  currency      TEXT NOT NULL,
  amount_micros INTEGER NOT NULL CHECK (amount_micros > 0),
  path          TEXT NOT NULL CHECK (path IN ('broker', 'host')),
  ref           TEXT NOT NULL,
  settled_at    INTEGER NOT NULL
);

-- The signed statement of each Settle With Broker, once per (vendor, message id).
CREATE TABLE IF NOT EXISTS statements (
  statement_id TEXT PRIMARY KEY,
  vendor_id    TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  signed_json  TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  UNIQUE (vendor_id, message_id)
);

-- What the broker owes each vendor: credited in the transaction that records a settlement.
CREATE TABLE IF NOT EXISTS vendor_payables (
  vendor_id      TEXT NOT NULL,
  currency       TEXT NOT NULL,
  balance_micros INTEGER NOT NULL CHECK (balance_micros >= 0),
  PRIMARY KEY (vendor_id, currency)
);

-- Small durable settings, e.g. the host mailbox cursor of consumed approvals.
CREATE TABLE IF NOT EXISTS broker_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;
// (Indexes on columns added after the first release are created in migrate(), once they exist.)

/** Opens (creating if needed) a ledger file with WAL and synchronous=FULL: an endorsement survives a crash. */
export function openLedgerDatabase(path: string): LedgerDatabase {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  db.exec(SCHEMA);
  migrate(db);
  return db;
}

/**
 * How long after Check Commit a claimed hold waits to be settled before it is released (the
 * broker's `settleWithinMs` default): a month of settlement runs, however rarely a vendor settles.
 */
export const DEFAULT_SETTLE_WITHIN_MS = 30 * 24 * 60 * 60_000;

/**
 * Brings a ledger file made by an earlier version up to this schema. Added columns are detected by
 * name (files from before `user_version` was kept); data changes run once, by `user_version`:
 *
 * 1. Capture moved from Check Commit to settlement, and a claimed hold now lapses `settleWithinMs`
 *    after its claim. A regular commitment claimed before that kept its hold's expiry at the
 *    endorsement's (long past), which the sweep would release at once: it gets the default 30 days
 *    from its claim instead. (Micro commitments claimed before were captured at once and stay so.)
 */
function migrate(db: LedgerDatabase): void {
  const columns = (table: string) =>
    (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
  const addColumn = (table: string, name: string, definition: string) => {
    if (!columns(table).includes(name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${definition}`);
  };
  db.transaction(() => {
    addColumn("accounts", "failed_secret_attempts", "INTEGER NOT NULL DEFAULT 0");
    addColumn("accounts", "secret_lockouts", "INTEGER NOT NULL DEFAULT 0");
    addColumn("accounts", "secret_locked_until", "INTEGER");
    addColumn("outbox", "batch_id", "TEXT");
    addColumn("outbox", "gave_up_at", "INTEGER");
    db.exec(`
      CREATE INDEX IF NOT EXISTS outbox_batch ON outbox (batch_id) WHERE batch_id IS NOT NULL;
      DROP INDEX IF EXISTS outbox_pending;
      CREATE INDEX IF NOT EXISTS outbox_sendable ON outbox (next_attempt_at)
        WHERE acked_at IS NULL AND gave_up_at IS NULL;
    `);
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version < 1) {
      db.prepare(
        `UPDATE holds SET expires_at = (
           SELECT c.claimed_at + ? FROM commitments c WHERE c.commit_id = holds.commit_id)
         WHERE status = 'live'
           AND commit_id IN (SELECT commit_id FROM commitments WHERE status = 'claimed' AND claimed_at IS NOT NULL)`,
      ).run(DEFAULT_SETTLE_WITHIN_MS);
    }
    if (version < LEDGER_VERSION) db.pragma(`user_version = ${LEDGER_VERSION}`);
  })();
}

/** The schema version this code writes (PRAGMA user_version). */
export const LEDGER_VERSION = 1;

/** The SQLite store's reads: prepared statements and row → record mapping, used inside and outside writes. */

import { type Money, type MoneyWire, parseMoney } from "@quickpay/protocol";
import type Database from "better-sqlite3";
import {
  toPlayer as mapPlayer,
  toSettlement as mapSettlement,
  type Row,
  toMail,
  toRegistration,
  toRevoke,
} from "./row-mapping";
import type { MailRecord, PlayerRecord, RevokeRecord, SettlementRecord, StoredRegistration } from "./types";

export type SqliteRows = ReturnType<typeof makeRows>;

export function makeRows(db: Database.Database) {
  const q = {
    player: db.prepare("SELECT * FROM players WHERE id = ?"),
    origins: db.prepare("SELECT origin FROM vendor_origins WHERE vendor_id = ? ORDER BY rowid"),
    vendorByOrigin: db.prepare("SELECT vendor_id FROM vendor_origins WHERE origin = ?"),
    registrations: db.prepare("SELECT * FROM registrations WHERE order_digest = ? ORDER BY seq"),
    // Per broker; in the order recorded (times are ISO strings, the broker id breaks a tie).
    revokes: db.prepare("SELECT * FROM revokes WHERE order_digest = ? ORDER BY revoked_at, broker_id"),
    settlements: db.prepare(
      "SELECT * FROM settlements WHERE order_digest = ? ORDER BY settled_at, broker_id",
    ),
    mail: db.prepare("SELECT * FROM mail WHERE recipient = ? AND seq > ? ORDER BY seq LIMIT ?"),
  };

  function toPlayer(row: Row): PlayerRecord {
    const origins =
      row.kind === "vendor"
        ? (q.origins.all(row.id) as { origin: string }[]).map((o) => o.origin)
        : undefined;
    return mapPlayer(row, origins);
  }

  return {
    toPlayer,
    money(wire: MoneyWire): Money {
      return parseMoney(wire);
    },
    player(id: string): PlayerRecord | undefined {
      const row = q.player.get(id) as Row | undefined;
      return row && toPlayer(row);
    },
    vendorByOrigin(origin: string): PlayerRecord | undefined {
      const row = q.vendorByOrigin.get(origin) as { vendor_id: string } | undefined;
      return row && this.player(row.vendor_id);
    },
    registrations(digest: string): StoredRegistration[] {
      return (q.registrations.all(digest) as Row[]).map((r) => toRegistration(r, decodeJson));
    },
    revokes(digest: string): RevokeRecord[] {
      return (q.revokes.all(digest) as Row[]).map(toRevoke);
    },
    settlements(digest: string): SettlementRecord[] {
      return (q.settlements.all(digest) as Row[]).map(toSettlement);
    },
    mail(recipient: string, afterSeq: number, limit: number): MailRecord[] {
      return (q.mail.all(recipient, afterSeq, limit) as Row[]).map((m) => toMail(m, m.seq, decodeJson));
    },
  };
}

/** better-sqlite3 hands JSON columns back as text. */
const decodeJson = (value: unknown): unknown => JSON.parse(value as string);

export function toSettlement(r: Row): SettlementRecord {
  return mapSettlement(r, decodeJson);
}

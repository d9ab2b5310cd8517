/** The SQLite store's reads: prepared statements and row → record mapping, used inside and outside writes. */

import { type Money, type MoneyWire, parseMoney } from "@quickpay/protocol";
import type Database from "better-sqlite3";
import type { MailRecord, PlayerRecord, RevokeRecord, SettlementRecord, StoredRegistration } from "./types";

interface PlayerRow {
  id: string;
  kind: PlayerRecord["kind"];
  public_key: string;
  status: PlayerRecord["status"];
  registered_at: string;
  name: string | null;
  endpoint: string | null;
}

export type SqliteRows = ReturnType<typeof makeRows>;

export function makeRows(db: Database.Database) {
  const q = {
    player: db.prepare("SELECT * FROM players WHERE id = ?"),
    origins: db.prepare("SELECT origin FROM vendor_origins WHERE vendor_id = ? ORDER BY rowid"),
    vendorByOrigin: db.prepare("SELECT vendor_id FROM vendor_origins WHERE origin = ?"),
    registrations: db.prepare("SELECT * FROM registrations WHERE order_digest = ? ORDER BY seq"),
    revoke: db.prepare("SELECT * FROM revokes WHERE order_digest = ?"),
    settlement: db.prepare("SELECT * FROM settlements WHERE order_digest = ?"),
    mail: db.prepare("SELECT * FROM mail WHERE recipient = ? AND seq > ? ORDER BY seq LIMIT ?"),
  };

  function toPlayer(row: PlayerRow): PlayerRecord {
    const p: PlayerRecord = {
      id: row.id,
      kind: row.kind,
      publicKey: row.public_key,
      status: row.status,
      registeredAt: row.registered_at,
    };
    if (row.name !== null) p.name = row.name;
    if (row.endpoint !== null) p.endpoint = row.endpoint;
    if (row.kind === "vendor") {
      p.origins = (q.origins.all(row.id) as { origin: string }[]).map((o) => o.origin);
    }
    return p;
  }

  return {
    toPlayer,
    money(wire: MoneyWire): Money {
      return parseMoney(wire);
    },
    player(id: string): PlayerRecord | undefined {
      const row = q.player.get(id) as PlayerRow | undefined;
      return row && toPlayer(row);
    },
    vendorByOrigin(origin: string): PlayerRecord | undefined {
      const row = q.vendorByOrigin.get(origin) as { vendor_id: string } | undefined;
      return row && this.player(row.vendor_id);
    },
    registrations(digest: string): StoredRegistration[] {
      return (q.registrations.all(digest) as Record<string, string | number | null>[]).map((r) => {
        const reg: StoredRegistration = {
          side: r.side as StoredRegistration["side"],
          orderDigest: r.order_digest as string,
          commitId: r.commit_id as string,
          vendorId: r.vendor_id as string,
          amount: { currency: r.currency as string, micros: Number(r.micros) },
          from: r.sender as string,
          messageId: r.message_id as string,
          recordedAt: r.recorded_at as string,
          flagged: r.flagged === 1,
        };
        if (r.endorsement !== null) reg.endorsement = JSON.parse(r.endorsement as string);
        return reg;
      });
    },
    revoke(digest: string): RevokeRecord | null {
      const r = q.revoke.get(digest) as Record<string, string | number | null> | undefined;
      if (!r) return null;
      const record: RevokeRecord = {
        orderDigest: r.order_digest as string,
        commitId: r.commit_id as string,
        vendorId: r.vendor_id as string,
        brokerId: r.broker_id as string,
        amount: { currency: r.currency as string, micros: Number(r.micros) },
        messageId: r.message_id as string,
        revokedAt: r.revoked_at as string,
      };
      if (r.reason !== null) record.reason = r.reason as string;
      return record;
    },
    settlement(digest: string): SettlementRecord | null {
      const r = q.settlement.get(digest) as Record<string, string | number | null> | undefined;
      return r ? toSettlement(r) : null;
    },
    mail(recipient: string, afterSeq: number, limit: number): MailRecord[] {
      return (q.mail.all(recipient, afterSeq, limit) as Record<string, string | number>[]).map((m) => ({
        cursor: String(m.seq),
        to: m.recipient as string,
        from: m.sender as string,
        messageId: m.message_id as string,
        kind: m.kind as string,
        body: JSON.parse(m.body as string),
        postedAt: m.posted_at as string,
      }));
    },
  };
}

export function toSettlement(r: Record<string, string | number | null>): SettlementRecord {
  const record: SettlementRecord = {
    orderDigest: r.order_digest as string,
    vendorId: r.vendor_id as string,
    brokerId: r.broker_id as string,
    commitId: r.commit_id as string,
    amount: { currency: r.currency as string, micros: Number(r.micros) },
    path: r.path as SettlementRecord["path"],
    settledAt: r.settled_at as string,
  };
  if (r.approval !== null) record.approval = JSON.parse(r.approval as string);
  return record;
}

/**
 * Row → record mapping shared by both SQL stores: the schemas have the same columns, only the drivers
 * differ — better-sqlite3 returns JSON columns as text and booleans as 0/1, pg returns parsed JSON and
 * booleans — so each store passes its JSON decoder and the mapping itself is written once.
 */
import type { MailRecord, PlayerRecord, RevokeRecord, SettlementRecord, StoredRegistration } from "./types";

export type Row = Record<string, unknown>;
/** Turns a JSON column's value into its value: `JSON.parse` for SQLite, identity for PostgreSQL. */
export type DecodeJson = (value: unknown) => unknown;

const money = (r: Row) => ({ currency: r.currency as string, micros: Number(r.micros) });
const present = (v: unknown) => v !== null && v !== undefined;

/** `origins` is read separately on SQLite and aggregated into the row on PostgreSQL. */
export function toPlayer(r: Row, origins: string[] | null | undefined): PlayerRecord {
  const p: PlayerRecord = {
    id: r.id as string,
    kind: r.kind as PlayerRecord["kind"],
    publicKey: r.public_key as string,
    status: r.status as PlayerRecord["status"],
    registeredAt: r.registered_at as string,
  };
  if (present(r.name)) p.name = r.name as string;
  if (present(r.endpoint)) p.endpoint = r.endpoint as string;
  if (p.kind === "vendor") p.origins = origins ?? [];
  return p;
}

export function toRegistration(r: Row, decodeJson: DecodeJson): StoredRegistration {
  const reg: StoredRegistration = {
    side: r.side as StoredRegistration["side"],
    orderDigest: r.order_digest as string,
    commitId: r.commit_id as string,
    vendorId: r.vendor_id as string,
    amount: money(r),
    from: r.sender as string,
    messageId: r.message_id as string,
    recordedAt: r.recorded_at as string,
    flagged: r.flagged === true || r.flagged === 1,
  };
  if (present(r.endorsement))
    reg.endorsement = decodeJson(r.endorsement) as StoredRegistration["endorsement"];
  if (present(r.payer_salt)) reg.payerSalt = r.payer_salt as string;
  return reg;
}

export function toRevoke(r: Row): RevokeRecord {
  const record: RevokeRecord = {
    orderDigest: r.order_digest as string,
    commitId: r.commit_id as string,
    vendorId: r.vendor_id as string,
    brokerId: r.broker_id as string,
    amount: money(r),
    messageId: r.message_id as string,
    revokedAt: r.revoked_at as string,
  };
  if (present(r.reason)) record.reason = r.reason as string;
  return record;
}

export function toSettlement(r: Row, decodeJson: DecodeJson): SettlementRecord {
  const record: SettlementRecord = {
    orderDigest: r.order_digest as string,
    vendorId: r.vendor_id as string,
    brokerId: r.broker_id as string,
    commitId: r.commit_id as string,
    amount: money(r),
    path: r.path as SettlementRecord["path"],
    settledAt: r.settled_at as string,
  };
  if (present(r.approval)) record.approval = decodeJson(r.approval) as SettlementRecord["approval"];
  return record;
}

/** `seq` is the mail row's sequence number, which is its cursor. */
export function toMail(r: Row, seq: unknown, decodeJson: DecodeJson): MailRecord {
  return {
    cursor: String(seq),
    to: r.recipient as string,
    from: r.sender as string,
    messageId: r.message_id as string,
    kind: r.kind as string,
    body: decodeJson(r.body),
    postedAt: r.posted_at as string,
  };
}

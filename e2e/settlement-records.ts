/**
 * Settlement as the broker and the host record it, for the settlement journeys: the demo bank's
 * ledger file read beside the running (or stopped) bank, read-only, as scripts/testing/invariant.ts
 * reads it — what it owes the vendor, which path settled each order, the signed statements it gave —
 * and the host's operator view of an order's settlements.
 */
import {
  type SignedSettlementStatement,
  SignedSettlementStatement as StatementSchema,
} from "@quickpay/protocol";
import Database from "better-sqlite3";
import { recordFiles } from "../scripts/testing/invariant";

export interface LedgerSettlement {
  orderDigest: string;
  path: "broker" | "host";
  /** The statement id (broker path) or `hostId@approvedAt` (host path). */
  ref: string;
  amountMicros: number;
}

function withLedger<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(recordFiles(dataDir).ledger, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** What the bank owes the vendor (its payable balance), in micro-units of USD. */
export function vendorPayableMicros(dataDir: string, vendorId: string): number {
  return withLedger(dataDir, (db) => {
    const row = db
      .prepare("SELECT balance_micros FROM vendor_payables WHERE vendor_id = ? AND currency = 'USD'")
      .get(vendorId) as { balance_micros: number } | undefined;
    return row?.balance_micros ?? 0;
  });
}

/** The bank's settlement rows of these order digests (each order has at most one). */
export function ledgerSettlements(dataDir: string, orderDigests: string[]): LedgerSettlement[] {
  return withLedger(dataDir, (db) => {
    const byDigest = db.prepare(
      "SELECT order_digest, path, ref, amount_micros FROM settlements WHERE order_digest = ?",
    );
    return orderDigests.flatMap((digest) =>
      (
        byDigest.all(digest) as {
          order_digest: string;
          path: "broker" | "host";
          ref: string;
          amount_micros: number;
        }[]
      ).map((r) => ({
        orderDigest: r.order_digest,
        path: r.path,
        ref: r.ref,
        amountMicros: r.amount_micros,
      })),
    );
  });
}

/** The signed statements the bank gave this vendor since `sinceMs`, oldest first. */
export function ledgerStatements(
  dataDir: string,
  vendorId: string,
  sinceMs: number,
): SignedSettlementStatement[] {
  return withLedger(dataDir, (db) =>
    (
      db
        .prepare(
          "SELECT signed_json FROM statements WHERE vendor_id = ? AND created_at >= ? ORDER BY created_at, rowid",
        )
        .all(vendorId, sinceMs) as { signed_json: string }[]
    ).map((r) => StatementSchema.parse(JSON.parse(r.signed_json))),
  );
}

/** A settlement as the host's operator view (`GET /v1/admin/orders/:digest`) shows it. */
export interface HostSettlement {
  path: "broker" | "host";
  vendorId: string;
  brokerId: string;
  amount: { currency: string; value: string };
  /** Broker path: `{ statementId }`; host path: the signed approval it posted to the broker. */
  approval?: { statementId?: string; approval?: { orderDigest: string; approvedAt: string } };
}

/** The host's settlements of one order digest (empty when it knows of none). */
export async function hostSettlements(
  network: { hostUrl: string; operatorToken: string },
  orderDigest: string,
): Promise<HostSettlement[]> {
  const response = await fetch(`${network.hostUrl}/v1/admin/orders/${orderDigest}`, {
    headers: { authorization: `Bearer ${network.operatorToken}` },
  });
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`host operator view of ${orderDigest}: HTTP ${response.status}`);
  return ((await response.json()) as { settlements: HostSettlement[] }).settlements;
}

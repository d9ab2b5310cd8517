/**
 * The purchase invariant of issue 11, judged from the four parties' own records: for one micro
 * order, once every retry has run, exactly one of
 *   1. delivered — the Wallet has the goods and the receipt, the broker captured the amount once
 *      (one debit entry, one settlement, the vendor credited once), the vendor's record is delivered
 *      and settled, and the host holds all three registrations, agreeing;
 *   2. not charged — the Wallet shows why (not_charged / failed, with a reason), the broker holds
 *      nothing and debited nothing (the hold released), the vendor has nothing delivered or settled,
 *      and the host has neither the delivery nor the wallet's side;
 * holds. Anything else is a violation, listed in words.
 *
 * Each party is read where it keeps its truth: the broker's SQLite ledger (opened read-only beside
 * the running bank), the shop's JSON-lines store (read without compacting), the host's operator view
 * over HTTP, and the Wallet's own purchase record (IndexedDB, read by the caller).
 */
import path from "node:path";
import { OrderStatus, orderStatusPath } from "@quickpay/protocol";
import { readVendorStoreFile } from "@quickpay/vendor-sdk";
import Database from "better-sqlite3";

/** The Wallet's side, as its purchase record says (extension/src/background/db.ts StoredPurchase). */
export interface WalletSide {
  status: string;
  /** The goods are in the purchase's receipt. */
  hasContent: boolean;
  /** The host acknowledged the wallet's Register Order. */
  registered: boolean;
  /** The words the history shows for an ending without goods. */
  reason?: string | undefined;
  reasonCode?: string | undefined;
}

export interface BrokerSide {
  /** The commitment's status, or undefined when the broker never endorsed the digest. */
  status?: "held" | "claimed" | "captured" | "released";
  commitId?: string;
  amountMicros?: number;
  /** Ledger entries debiting the shopper's account for this commitment. */
  debits: number;
  debitedMicros: number;
  /** Settlement rows for this commitment (the vendor credited once per row). */
  settlements: number;
  /** The hold's status, when there is one. */
  hold?: "live" | "captured" | "released";
}

export interface VendorSide {
  state?: "accepted" | "prepared" | "delivered" | "refused";
  settlement?: string;
}

export interface HostSide {
  commit: boolean;
  delivery: boolean;
  order: boolean;
  agree: boolean;
  flagged: boolean;
}

export interface PartyRecords {
  orderDigest: string;
  wallet: WalletSide;
  broker: BrokerSide;
  vendor: VendorSide;
  host: HostSide;
}

export type Verdict =
  | { outcome: 1 | 2; records: PartyRecords }
  | { violations: string[]; records: PartyRecords };

/** The broker's record of one order digest, from its ledger file (read-only, beside the running bank). */
export function readBroker(ledgerFile: string, orderDigest: string): BrokerSide {
  const db = new Database(ledgerFile, { readonly: true, fileMustExist: true });
  try {
    const c = db
      .prepare("SELECT commit_id, status, amount_micros FROM commitments WHERE order_digest = ?")
      .get(orderDigest) as
      | { commit_id: string; status: BrokerSide["status"]; amount_micros: number }
      | undefined;
    if (!c) return { debits: 0, debitedMicros: 0, settlements: 0 };
    const debit = db
      .prepare(
        "SELECT COUNT(*) AS n, COALESCE(-SUM(amount_micros), 0) AS micros FROM entries WHERE ref = ? AND amount_micros < 0",
      )
      .get(c.commit_id) as { n: number; micros: number };
    const settled = db
      .prepare("SELECT COUNT(*) AS n FROM settlements WHERE commit_id = ?")
      .get(c.commit_id) as {
      n: number;
    };
    const hold = db.prepare("SELECT status FROM holds WHERE commit_id = ?").get(c.commit_id) as
      | { status: BrokerSide["hold"] }
      | undefined;
    return {
      status: c.status,
      commitId: c.commit_id,
      amountMicros: c.amount_micros,
      debits: debit.n,
      debitedMicros: debit.micros,
      settlements: settled.n,
      ...(hold ? { hold: hold.status } : {}),
    };
  } finally {
    db.close();
  }
}

/** The vendor's record of one commitment, from the shop's store file (read without writing). */
export function readVendor(storeFile: string, orderDigest: string): VendorSide {
  const { deliveries } = readVendorStoreFile(storeFile);
  const record = deliveries.find((d) => d.orderDigest === orderDigest);
  if (!record) return {};
  const settlement = record.state === "delivered" ? record.settlement?.outcome : undefined;
  return { state: record.state, ...(settlement ? { settlement } : {}) };
}

/** The host's record of one order digest (the operator's view names every side). */
export async function readHost(
  hostUrl: string,
  operatorToken: string,
  orderDigest: string,
): Promise<HostSide> {
  const response = await fetch(hostUrl.replace(/\/+$/, "") + orderStatusPath(orderDigest), {
    headers: { authorization: `Bearer ${operatorToken}` },
  });
  if (response.status === 404)
    return { commit: false, delivery: false, order: false, agree: true, flagged: false };
  if (!response.ok) throw new Error(`host order status: HTTP ${response.status}`);
  const s = OrderStatus.parse(await response.json());
  return {
    commit: s.commit !== null,
    delivery: s.delivery !== null,
    order: s.order !== null,
    agree: s.agree,
    flagged: s.flagged,
  };
}

/** Where the network's players keep their records (scripts/network.ts's layout). */
export function recordFiles(dataDir: string): { ledger: string; vendorStore: string } {
  return {
    ledger: path.join(dataDir, "demo-bank.db"),
    vendorStore: path.join(dataDir, "demo-shop", "deliveries.jsonl"),
  };
}

export async function readRecords(
  network: { dataDir: string; hostUrl: string; operatorToken: string },
  orderDigest: string,
  wallet: WalletSide,
): Promise<PartyRecords> {
  const files = recordFiles(network.dataDir);
  return {
    orderDigest,
    wallet,
    broker: readBroker(files.ledger, orderDigest),
    vendor: readVendor(files.vendorStore, orderDigest),
    host: await readHost(network.hostUrl, network.operatorToken, orderDigest),
  };
}

/**
 * Outcome 1 or 2, or what breaks the invariant. `amountMicros` is the order's amount; the balance
 * delta is what the shopper's settled balance moved over the purchase (positive = money taken).
 */
export function judge(records: PartyRecords, amountMicros: number, balanceDeltaMicros: number): Verdict {
  const { wallet, broker, vendor, host } = records;
  const delivered: string[] = [];
  if (wallet.status !== "delivered") delivered.push(`the Wallet says ${wallet.status}`);
  if (!wallet.hasContent) delivered.push("the Wallet has no goods");
  if (!wallet.registered) delivered.push("the host never acknowledged the Wallet's Register Order");
  if (broker.status !== "captured") delivered.push(`the broker's commitment is ${broker.status ?? "absent"}`);
  if (broker.debits !== 1 || broker.debitedMicros !== amountMicros) {
    delivered.push(`the broker debited ${broker.debits} time(s), ${broker.debitedMicros} micros`);
  }
  if (broker.settlements !== 1) delivered.push(`the broker settled ${broker.settlements} time(s)`);
  if (balanceDeltaMicros !== amountMicros)
    delivered.push(`the shopper's balance moved ${balanceDeltaMicros} micros`);
  if (vendor.state !== "delivered") delivered.push(`the vendor's record is ${vendor.state ?? "absent"}`);
  if (vendor.settlement !== "broker" && vendor.settlement !== "host") {
    delivered.push(`the vendor's settlement is ${vendor.settlement ?? "missing"}`);
  }
  if (!(host.commit && host.delivery && host.order)) delivered.push(`the host lacks a side (${sides(host)})`);
  if (!host.agree || host.flagged) delivered.push("the host's registrations disagree");
  if (delivered.length === 0) return { outcome: 1, records };

  const notCharged: string[] = [];
  if (wallet.status !== "not_charged" && wallet.status !== "failed") {
    notCharged.push(`the Wallet says ${wallet.status}`);
  }
  if (!wallet.reason) notCharged.push("the Wallet gives no reason in words");
  if (wallet.hasContent) notCharged.push("the Wallet has goods");
  if (broker.status !== undefined && broker.status !== "released") {
    notCharged.push(`the broker's commitment is ${broker.status}, not released`);
  }
  if (broker.hold !== undefined && broker.hold !== "released")
    notCharged.push(`the broker's hold is ${broker.hold}`);
  if (broker.debits !== 0) notCharged.push(`the broker debited ${broker.debits} time(s)`);
  if (broker.settlements !== 0) notCharged.push(`the broker settled ${broker.settlements} time(s)`);
  if (balanceDeltaMicros !== 0) notCharged.push(`the shopper's balance moved ${balanceDeltaMicros} micros`);
  if (vendor.state === "delivered") notCharged.push("the vendor's record is delivered");
  if (vendor.settlement !== undefined) notCharged.push(`the vendor settled it (${vendor.settlement})`);
  if (host.delivery || host.order)
    notCharged.push(`the host records a delivery or an order (${sides(host)})`);
  if (notCharged.length === 0) return { outcome: 2, records };

  return {
    violations: [`neither delivered (${delivered.join("; ")})`, `nor not charged (${notCharged.join("; ")})`],
    records,
  };
}

function sides(host: HostSide): string {
  return (["commit", "delivery", "order"] as const).filter((s) => host[s]).join("+") || "none";
}

/**
 * What a server holds, as counts: the rows of every table of a SQLite file (read-only, beside the
 * running server), the records of a vendor's store file, the records of every object store of a
 * Wallet's IndexedDB. Two equal snapshots around a fuzz run mean bad input changed nothing.
 */
import { readVendorStoreFile } from "@quickpay/vendor-sdk";
import Database from "better-sqlite3";

export type Counts = Record<string, number>;

export function sqliteCounts(file: string): Counts {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as { name: string }[];
    const counts: Counts = {};
    for (const { name } of tables) {
      counts[name] = (db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).get() as { n: number }).n;
    }
    return counts;
  } finally {
    db.close();
  }
}

export function vendorStoreCounts(file: string): Counts {
  const { deliveries, pending } = readVendorStoreFile(file);
  return { deliveries: deliveries.length, pending: pending.length };
}

/** Any idb-style database: the count of each object store. */
export async function indexedDbCounts(db: {
  objectStoreNames: DOMStringList;
  count(store: never): Promise<number>;
}): Promise<Counts> {
  const counts: Counts = {};
  for (const name of Array.from(db.objectStoreNames)) counts[name] = await db.count(name as never);
  return counts;
}

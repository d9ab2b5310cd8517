/**
 * The schema upgrades: from Wallet 0.1 (IndexedDB version 1, never released) keys, registration and
 * Paycards are kept, the old purchase stores dropped and the v2 stores made with their indexes; 2 → 3
 * fills in payer salts; 3 → 4 adds the inbox and changes no record.
 */
import "fake-indexeddb/auto";
import { openDB } from "idb";
import { describe, expect, it } from "vitest";
import { DB_VERSION, openWalletDb } from "./db";

/** Every store of the current schema. */
const ALL_STORES = [
  "allowances",
  "confirmations",
  "inbox",
  "inboxState",
  "keys",
  "meta",
  "outbox",
  "paycardStorage",
  "paycards",
  "purchases",
].sort();

/** What each released schema's records look like in the tests below: store name → records. */
type Seed = Record<string, object[]>;

/**
 * A database as a Wallet of schema `version` made it (its stores and indexes exactly), holding
 * `seed`, closed again: what `openWalletDb` finds on the shopper's disk. Returns its name.
 */
async function seedSchema(version: 1 | 2 | 3 | 4, seed: Seed): Promise<string> {
  const name = `db-upgrade-v${version}-${Date.now()}-${Math.random()}`;
  const old = await openDB(name, version, {
    upgrade(db) {
      for (const store of ["keys", "meta"]) db.createObjectStore(store, { keyPath: "id" });
      db.createObjectStore("paycards", { keyPath: "paycardId" });
      db.createObjectStore("paycardStorage", { keyPath: "key" });
      db.createObjectStore("outbox", { keyPath: "id" }).createIndex("byState", "state");
      if (version === 1) {
        db.createObjectStore("orders", { keyPath: "orderDigest" }).createIndex("byCreatedAt", "createdAt");
        db.createObjectStore("pending", { keyPath: "id" });
        return;
      }
      const purchases = db.createObjectStore("purchases", { keyPath: "id" });
      purchases.createIndex("byCreatedAt", ["createdAt", "id"]);
      purchases.createIndex("byState", "status");
      purchases.createIndex("byVendorItem", ["vendorId", "itemId"]);
      if (version < 4) return;
      purchases.createIndex("byOrderDigest", "orderDigest");
      const inbox = db.createObjectStore("inbox", { keyPath: "id" });
      inbox.createIndex("bySeq", "seq");
      inbox.createIndex("byUnread", "unread");
      db.createObjectStore("inboxState", { keyPath: "id" });
      db.createObjectStore("confirmations", { keyPath: "key" });
    },
  });
  for (const [store, records] of Object.entries(seed)) {
    for (const record of records) await old.put(store, record);
  }
  old.close();
  return name;
}

describe("openWalletDb", () => {
  it("upgrades a version-1 database: identity and Paycards stay, pending/orders go", async () => {
    const name = await seedSchema(1, {
      meta: [{ id: "wallet", walletId: "w_1", registered: true, registerMessageId: "m".repeat(16) }],
      paycards: [{ paycardId: "pc_1", moduleId: "demo-bank", active: true }],
      orders: [{ orderDigest: "a".repeat(64), createdAt: "2026-01-01T00:00:00.000Z" }],
      outbox: [{ id: "x".repeat(16), state: "pending", attempts: 2 }],
    });

    const db = await openWalletDb(name);
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(ALL_STORES);
    expect((await db.get("meta", "wallet"))?.walletId).toBe("w_1");
    expect(await db.getAll("paycards")).toHaveLength(1);
    expect(await db.getAll("outbox")).toEqual([]);
    const purchases = db.transaction("purchases").store;
    expect([...purchases.indexNames].sort()).toEqual([
      "byCreatedAt",
      "byOrderDigest",
      "byState",
      "byVendorItem",
    ]);
    db.close();
  });

  it("upgrades a version-2 database: purchases not yet endorsed, and their queued Inquiry Payment, get one salt", async () => {
    const purchase = (id: string, status: string, extra: object = {}) => ({
      id,
      status,
      vendorId: "v_1",
      itemId: "article-1",
      createdAt: "2026-01-01T00:00:00.000Z",
      ...extra,
    });
    const inquiry = { orderDigest: "a".repeat(64), kind: "micro" };
    const name = await seedSchema(2, {
      purchases: [
        purchase("paying", "paying"),
        purchase("confirming", "confirming"),
        purchase("endorsed", "delivered", { endorsement: { endorsement: {}, sig: "x" } }),
      ],
      outbox: [
        { id: "i".repeat(16), type: "InquiryPayment", purchaseId: "paying", body: inquiry, state: "pending" },
        {
          id: "r".repeat(16),
          type: "RegisterOrder",
          purchaseId: "endorsed",
          body: { a: 1 },
          state: "pending",
        },
      ],
    });

    const db = await openWalletDb(name);
    expect(db.version).toBe(DB_VERSION);
    const salt = (await db.get("purchases", "paying"))?.payerSalt;
    expect(salt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await db.get("purchases", "confirming"))?.payerSalt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await db.get("purchases", "confirming"))?.payerSalt).not.toBe(salt);
    // An endorsed purchase's broker signed no tag: nothing to open, so no salt.
    expect(await db.get("purchases", "endorsed")).not.toHaveProperty("payerSalt");
    expect((await db.get("outbox", "i".repeat(16)))?.body).toEqual({ ...inquiry, payerSalt: salt });
    expect((await db.get("outbox", "r".repeat(16)))?.body).toEqual({ a: 1 });
    expect(await db.getAll("purchases")).toHaveLength(3);
    db.close();
    // Opened again (a later worker): nothing changes.
    const again = await openWalletDb(name);
    expect((await again.get("purchases", "paying"))?.payerSalt).toBe(salt);
    again.close();
  });

  it("upgrades a version-3 database: the inbox is added, every record stays, purchases are found by order digest", async () => {
    const digest = "d".repeat(64);
    const purchase = {
      id: "p1",
      status: "delivered",
      vendorId: "v_1",
      itemId: "article-1",
      orderDigest: digest,
      payerSalt: "s".repeat(43),
      createdAt: "2026-01-01T00:00:00.000Z",
    };
    const meta = { id: "wallet", walletId: "w_1", registered: true, registerMessageId: "m".repeat(16) };
    const queued = {
      id: "r".repeat(16),
      type: "RegisterOrder",
      purchaseId: "p1",
      body: { a: 1 },
      state: "pending",
    };
    const name = await seedSchema(3, { purchases: [purchase], meta: [meta], outbox: [queued] });

    const db = await openWalletDb(name);
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(ALL_STORES);
    expect(await db.get("purchases", "p1")).toEqual(purchase);
    expect(await db.get("meta", "wallet")).toEqual(meta);
    expect(await db.get("outbox", "r".repeat(16))).toEqual(queued);
    expect((await db.getAllFromIndex("purchases", "byOrderDigest", digest)).map((p) => p.id)).toEqual(["p1"]);
    expect(await db.getAll("inbox")).toEqual([]);
    expect(await db.get("inboxState", "host")).toBeUndefined();
    const inbox = db.transaction("inbox").store;
    expect([...inbox.indexNames].sort()).toEqual(["bySeq", "byUnread"]);
    db.close();
    // Opened again (a later worker): no upgrade runs, nothing changes.
    const again = await openWalletDb(name);
    expect(await again.get("purchases", "p1")).toEqual(purchase);
    again.close();
  });

  it("upgrades a version-4 database: allowances are added, every schema-4 record stays", async () => {
    const purchase = {
      id: "p1",
      status: "confirming",
      vendorId: "v_1",
      itemId: "article-1",
      orderDigest: "e".repeat(64),
      createdAt: "2026-01-01T00:00:00.000Z",
    };
    const window = { key: "window", windowId: 7, openedAt: "2026-01-01T00:00:00.000Z" };
    const name = await seedSchema(4, { purchases: [purchase], confirmations: [window] });

    const db = await openWalletDb(name);
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(ALL_STORES);
    expect(await db.get("purchases", "p1")).toEqual(purchase);
    expect(await db.get("confirmations", "window")).toEqual(window);
    expect(await db.getAll("allowances")).toEqual([]);
    db.close();
  });

  it("creates every store on a fresh install", async () => {
    const db = await openWalletDb(`db-fresh-${Date.now()}`);
    expect([...db.objectStoreNames].sort()).toEqual(ALL_STORES);
    db.close();
  });
});

import "fake-indexeddb/auto";
import { generateKeyPair, newMessageId, QuickPayError } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { openWalletDb, type WalletDatabase } from "./db";
import { createHandlers } from "./handlers";
import { walletSigner } from "./identity";
import {
  DEFAULT_AUTO_LOCK_MINUTES,
  isSealed,
  LOCK_CONFIG_KEY,
  memoryArea,
  PBKDF2_ITERATIONS,
  UNLOCKED_KEY,
  WalletLock,
} from "./lock";
import { moduleStorage } from "./paycard-host";
import { routeWalletMessage } from "./router";

const PASSWORD = "correct horse battery";
const CREDENTIAL = { token: "cred-secret-7f3a9c1d2e", account: "000111" };

let dbCounter = 0;

async function setup() {
  const db = await openWalletDb(`lock-test-${++dbCounter}-${Date.now()}`);
  const pair = generateKeyPair();
  await db.put("keys", { id: "wallet", ...pair, createdAt: new Date().toISOString() });
  await db.put("meta", { id: "wallet", walletId: "wal_test", registered: true, registerMessageId: "m1" });
  const local = memoryArea();
  const session = memoryArea();
  let clock = 1_000_000;
  let unlockedHeard = 0;
  const lock = new WalletLock({
    db,
    local,
    session,
    now: () => clock,
    onUnlocked: () => unlockedHeard++,
  });
  const storage = moduleStorage(db, "demo-bank", lock);
  await storage.set("credential:pc1", CREDENTIAL);
  return {
    db,
    pair,
    local,
    session,
    lock,
    storage,
    advance: (ms: number) => {
      clock += ms;
    },
    unlockedHeard: () => unlockedHeard,
  };
}

/** Everything at rest: every IndexedDB store's records and chrome.storage.local, as one text. */
async function atRest(db: WalletDatabase, local: ReturnType<typeof memoryArea>): Promise<string> {
  const parts: unknown[] = [local.dump()];
  for (const name of db.objectStoreNames) parts.push(await db.getAll(name));
  return JSON.stringify(parts);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof QuickPayError ? e.code : `not a QuickPayError: ${String(e)}`;
  }
  return "no error";
}

describe("the local password", () => {
  it("without a password, the key and credentials are stored as before and the Wallet is never locked", async () => {
    const { db, pair, lock, storage, local } = await setup();
    expect(await lock.status()).toEqual({
      enabled: false,
      locked: false,
      autoLockMinutes: DEFAULT_AUTO_LOCK_MINUTES,
    });
    expect((await walletSigner(db, lock))?.privateKey).toBe(pair.privateKey);
    expect(await storage.get("credential:pc1")).toEqual(CREDENTIAL);
    expect(await atRest(db, local)).toContain(pair.privateKey);
  });

  it("setting one seals the key and every credential with PBKDF2 600,000 and AES-GCM; nothing is in the clear at rest", async () => {
    const { db, pair, lock, storage, local, session } = await setup();
    await lock.setPassword(PASSWORD);
    const config = (await local.get(LOCK_CONFIG_KEY)) as { kdf: { iterations: number; hash: string } };
    expect(PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(600_000);
    expect(config.kdf).toMatchObject({ name: "PBKDF2", hash: "SHA-256", iterations: PBKDF2_ITERATIONS });
    const keys = await db.get("keys", "wallet");
    expect(keys?.privateKey).toBe("");
    expect(isSealed(keys?.sealed)).toBe(true);
    expect(isSealed((await db.get("paycardStorage", "demo-bank/credential:pc1"))?.value)).toBe(true);
    const rest = await atRest(db, local);
    expect(rest).not.toContain(pair.privateKey);
    expect(rest).not.toContain(CREDENTIAL.token);
    // Unlocked right after: the key is in the session only, and everything still reads.
    expect(await session.get(UNLOCKED_KEY)).toBeDefined();
    expect((await walletSigner(db, lock))?.privateKey).toBe(pair.privateKey);
    expect(await storage.get("credential:pc1")).toEqual(CREDENTIAL);
    // A module writing now has its value sealed too.
    await storage.set("credential:pc2", { token: "second-secret-aa11" });
    expect(await atRest(db, local)).not.toContain("second-secret-aa11");
    expect(await storage.get("credential:pc2")).toEqual({ token: "second-secret-aa11" });
  });

  it("each seal has its own IV", async () => {
    const { db, lock, storage } = await setup();
    await lock.setPassword(PASSWORD);
    await storage.set("a", "same");
    await storage.set("b", "same");
    const a = (await db.get("paycardStorage", "demo-bank/a"))?.value as { iv: string; ct: string };
    const b = (await db.get("paycardStorage", "demo-bank/b"))?.value as { iv: string; ct: string };
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
  });

  it("locked: no signature, no credential, locked errors in words; unlocking needs the right password", async () => {
    const { db, pair, lock, storage, local, session, unlockedHeard } = await setup();
    await lock.setPassword(PASSWORD);
    await lock.lock();
    expect(await session.get(UNLOCKED_KEY)).toBeUndefined();
    expect((await lock.status()).locked).toBe(true);
    expect(await codeOf(walletSigner(db, lock))).toBe("wallet_locked");
    expect(await codeOf(storage.get("credential:pc1"))).toBe("wallet_locked");
    expect(await codeOf(storage.set("credential:pc3", "x"))).toBe("wallet_locked");
    const locked = await lock.requireUnlocked().catch((e: unknown) => e);
    expect(locked).toBeInstanceOf(QuickPayError);
    expect((locked as QuickPayError).details).toMatchObject({ words: expect.stringMatching(/locked/i) });
    const rest = await atRest(db, local);
    expect(rest).not.toContain(pair.privateKey);
    expect(rest).not.toContain(CREDENTIAL.token);

    expect(await codeOf(lock.unlock("wrong password!"))).toBe("wrong_password");
    expect((await lock.status()).locked).toBe(true);
    await lock.unlock(PASSWORD);
    expect(unlockedHeard()).toBe(1);
    expect((await lock.status()).locked).toBe(false);
    expect((await walletSigner(db, lock))?.privateKey).toBe(pair.privateKey);
    expect(await storage.get("credential:pc1")).toEqual(CREDENTIAL);
  });

  it("a tampered ciphertext, or a sealed value moved to another place, does not open", async () => {
    const { db, lock, storage } = await setup();
    await lock.setPassword(PASSWORD);
    const keys = (await db.get("keys", "wallet"))!;
    const ct = keys.sealed!.ct;
    const flipped = `${ct.slice(0, 4)}${ct[4] === "A" ? "B" : "A"}${ct.slice(5)}`;
    await db.put("keys", { ...keys, sealed: { ...keys.sealed!, ct: flipped } });
    expect(await codeOf(walletSigner(db, lock))).toBe("internal");
    // The credential's sealed value copied under another key: bound to its place, it is refused.
    const rec = (await db.get("paycardStorage", "demo-bank/credential:pc1"))!;
    await db.put("paycardStorage", { key: "demo-bank/credential:other", value: rec.value });
    expect(await codeOf(storage.get("credential:other"))).toBe("internal");
    expect(await storage.get("credential:pc1")).toEqual(CREDENTIAL);
  });

  it("a tampered wrapped key is a wrong password, never a crash or an open", async () => {
    const { lock, local } = await setup();
    await lock.setPassword(PASSWORD);
    await lock.lock();
    const config = (await local.get(LOCK_CONFIG_KEY)) as { wrapped: { ct: string } };
    const ct = config.wrapped.ct;
    await local.set(LOCK_CONFIG_KEY, {
      ...config,
      wrapped: { ...config.wrapped, ct: `${ct[0] === "A" ? "B" : "A"}${ct.slice(1)}` },
    });
    expect(await codeOf(lock.unlock(PASSWORD))).toBe("wrong_password");
  });

  it("changing the password needs the current one; the old one stops working", async () => {
    const { lock } = await setup();
    await lock.setPassword(PASSWORD);
    expect(await codeOf(lock.changePassword("not it at all", "a brand new one"))).toBe("wrong_password");
    await lock.changePassword(PASSWORD, "a brand new one");
    await lock.lock();
    expect(await codeOf(lock.unlock(PASSWORD))).toBe("wrong_password");
    await lock.unlock("a brand new one");
    expect((await lock.status()).locked).toBe(false);
  });

  it("refuses a short password and a second setPassword in words", async () => {
    const { lock } = await setup();
    const short = await lock.setPassword("short").catch((e: unknown) => e);
    expect((short as QuickPayError).details).toMatchObject({ words: expect.stringMatching(/at least 8/) });
    await lock.setPassword(PASSWORD);
    expect(await codeOf(lock.setPassword("another password"))).toBe("invalid_request");
  });

  it("removing the password needs the current one and stores everything unsealed again", async () => {
    const { db, pair, lock, storage, local } = await setup();
    await lock.setPassword(PASSWORD);
    expect(await codeOf(lock.removePassword("wrong one here"))).toBe("wrong_password");
    await lock.lock();
    await lock.removePassword(PASSWORD);
    expect(await local.get(LOCK_CONFIG_KEY)).toBeUndefined();
    expect(await db.get("keys", "wallet")).toMatchObject({ privateKey: pair.privateKey });
    expect((await db.get("keys", "wallet"))?.sealed).toBeUndefined();
    expect((await db.get("paycardStorage", "demo-bank/credential:pc1"))?.value).toEqual(CREDENTIAL);
    expect(await storage.get("credential:pc1")).toEqual(CREDENTIAL);
    expect(await lock.status()).toMatchObject({ enabled: false, locked: false });
  });

  it("locks by itself after the idle time; the shopper's activity starts it again", async () => {
    const { lock, advance } = await setup();
    await lock.setPassword(PASSWORD, 5);
    advance(4 * 60_000);
    await lock.touch();
    advance(4 * 60_000);
    expect(await lock.checkIdle()).toBe(false);
    expect((await lock.status()).locked).toBe(false);
    advance(61_000);
    expect(await lock.checkIdle()).toBe(true);
    expect((await lock.status()).locked).toBe(true);
    // Activity after the time ran out does not unlock.
    await lock.touch();
    expect((await lock.status()).locked).toBe(true);
  });

  it("the idle time is one of the offered choices and needs a password", async () => {
    const { lock } = await setup();
    expect(await codeOf(lock.setAutoLock(30))).toBe("invalid_request");
    await lock.setPassword(PASSWORD);
    expect(await codeOf(lock.setAutoLock(7))).toBe("invalid_request");
    await lock.setAutoLock(30);
    expect((await lock.status()).autoLockMinutes).toBe(30);
  });

  it("a worker stopped halfway through sealing: the mix still reads, and the next unlock seals the rest", async () => {
    const { db, pair, lock, local } = await setup();
    await lock.setPassword(PASSWORD);
    // As if this credential had been written in the clear before the sealing reached it.
    await db.put("paycardStorage", { key: "demo-bank/late", value: { token: "late-secret-99" } });
    await lock.lock();
    await lock.unlock(PASSWORD);
    const rest = await atRest(db, local);
    expect(rest).not.toContain("late-secret-99");
    expect(rest).not.toContain(pair.privateKey);
  });

  it("a locked Wallet's page-callable methods answer locked in words and hand the page no receipt or goods", async () => {
    const { db, lock } = await setup();
    await lock.setPassword(PASSWORD);
    await lock.lock();
    let receiptsAsked = 0;
    let decided = 0;
    const handlers = createHandlers({
      db,
      lock,
      engine: {
        // A purchase that finished with goods (approved before the Wallet locked itself).
        awaitPurchase: async () => ({ result: { status: "delivered", content: "the goods" } }),
        decide: async () => {
          decided++;
        },
      },
      receipts: {
        restore: async () => {
          receiptsAsked++;
          return null;
        },
      },
    } as never);
    const page = { kind: "page" as const, origin: "https://shop.example" };
    for (const [name, params] of [
      ["page.restore", { itemId: "article-1" }],
      ["page.awaitPay", { purchaseId: newMessageId() }],
    ] as const) {
      const reply = await routeWalletMessage(handlers, { quickpay: 1, name, params }, page);
      expect(reply.ok).toBe(false);
      if (reply.ok) continue;
      expect(["wallet_locked", "locked"]).toContain(reply.error.code);
      expect(reply.error.message).toMatch(/locked/i);
      expect(JSON.stringify(reply)).not.toContain("the goods");
    }
    expect(receiptsAsked).toBe(0);
    // The Wallet's own pages ask its state, and unlock; approving while locked pays nothing.
    const ui = { kind: "ui" as const };
    const approve = await routeWalletMessage(
      handlers,
      { quickpay: 1, name: "confirm.decide", params: { id: newMessageId(), approve: true } },
      ui,
    );
    expect(approve).toMatchObject({ ok: false, error: { code: "wallet_locked" } });
    expect(decided).toBe(0);
    expect(
      await routeWalletMessage(handlers, { quickpay: 1, name: "lock.status", params: {} }, ui),
    ).toMatchObject({
      ok: true,
      result: { enabled: true, locked: true },
    });
    const wrong = await routeWalletMessage(
      handlers,
      { quickpay: 1, name: "lock.unlock", params: { password: "nope nope" } },
      ui,
    );
    expect(wrong).toMatchObject({ ok: false, error: { code: "wrong_password" } });
    expect(
      await routeWalletMessage(
        handlers,
        { quickpay: 1, name: "lock.unlock", params: { password: PASSWORD } },
        ui,
      ),
    ).toMatchObject({ ok: true, result: { locked: false } });
  });
});

/** A promise and the hand that settles it: a step of the test holds until `release()`. */
function gate() {
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { held, release };
}

/**
 * The same database, but each `put` into `paycardStorage` waits for `hold` first: a module's write
 * in flight (already sealed or left in the clear by the lock, not yet landed in IndexedDB).
 */
function slowPuts(db: WalletDatabase, hold: Promise<void>): WalletDatabase {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "put") {
        return async (store: string, value: unknown) => {
          if (store === "paycardStorage") await hold;
          return target.put(store as never, value as never);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/**
 * The same database, but right after the first read of every `paycardStorage` value, `key` is
 * deleted there — as the outbox giving up a Forget Paycard does, in its own transaction, without
 * taking the lock's turn — before the reader writes anything back.
 */
function deleteAfterFirstRead(db: WalletDatabase, key: string): WalletDatabase {
  let done = false;
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "getAll") {
        return async (store: string, ...rest: unknown[]) => {
          const all = await (target.getAll as (...a: unknown[]) => Promise<unknown[]>)(store, ...rest);
          if (store === "paycardStorage" && !done) {
            done = true;
            await target.delete("paycardStorage", key);
          }
          return all;
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** Lets every promise that can move on do so (a step waiting on the lock's turn stays waiting). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/**
 * Waits until `change` is done or has had long enough to be (a PBKDF2 of 600,000 iterations takes a
 * fraction of a second): a change that does not wait for the write in flight is over by then.
 */
const given = (change: Promise<unknown>) =>
  Promise.race([change, new Promise((resolve) => setTimeout(resolve, 1_500))]);

const LATE = { token: "in-flight-secret-5b6c", account: "000222" };
const LATE_KEY = "demo-bank/credential:late";

describe("a password change while a module's storage is in use", () => {
  it("a write in flight when the password is removed lands in the clear, and reads", async () => {
    const { db, lock, local } = await setup();
    await lock.setPassword(PASSWORD);
    const hold = gate();
    const slow = moduleStorage(slowPuts(db, hold.held), "demo-bank", lock);
    const order: string[] = [];
    const write = slow.set("credential:late", LATE).then(() => order.push("write"));
    await settle();
    const removal = lock.removePassword(PASSWORD).then(() => order.push("remove"));
    await given(removal);
    // The removal waits for the write's turn: the password is still there.
    expect(order).toEqual([]);
    expect(await local.get(LOCK_CONFIG_KEY)).toBeDefined();
    hold.release();
    await Promise.all([write, removal]);
    expect(order).toEqual(["write", "remove"]);
    expect(await lock.status()).toMatchObject({ enabled: false, locked: false });
    // Stored in the clear (no key is left to open a sealed one), and readable as the module wrote it.
    expect((await db.get("paycardStorage", LATE_KEY))?.value).toEqual(LATE);
    expect(await moduleStorage(db, "demo-bank", lock).get("credential:late")).toEqual(LATE);
    expect(await atRest(db, local)).not.toContain('"$sealed"');
  });

  it("a write asked for while the password is being removed waits, and lands in the clear", async () => {
    const { db, lock, storage } = await setup();
    await lock.setPassword(PASSWORD);
    const order: string[] = [];
    const removal = lock.removePassword(PASSWORD).then(() => order.push("remove"));
    const write = storage.set("credential:late", LATE).then(() => order.push("write"));
    await Promise.all([removal, write]);
    expect(order).toEqual(["remove", "write"]);
    expect((await db.get("paycardStorage", LATE_KEY))?.value).toEqual(LATE);
    expect(await storage.get("credential:late")).toEqual(LATE);
  });

  it("a write in flight when the first password is set lands sealed under its key, never in the clear", async () => {
    const { db, lock, local } = await setup();
    const hold = gate();
    const slow = moduleStorage(slowPuts(db, hold.held), "demo-bank", lock);
    const order: string[] = [];
    const write = slow.set("credential:late", LATE).then(() => order.push("write"));
    await settle();
    const setting = lock.setPassword(PASSWORD).then(() => order.push("set"));
    await given(setting);
    expect(order).toEqual([]);
    expect(await local.get(LOCK_CONFIG_KEY)).toBeUndefined();
    hold.release();
    await Promise.all([write, setting]);
    expect(order).toEqual(["write", "set"]);
    expect(isSealed((await db.get("paycardStorage", LATE_KEY))?.value)).toBe(true);
    expect(await atRest(db, local)).not.toContain(LATE.token);
    // Sealed under the key of this password: it opens after locking and unlocking with it.
    await lock.lock();
    await lock.unlock(PASSWORD);
    expect(await moduleStorage(db, "demo-bank", lock).get("credential:late")).toEqual(LATE);
  });

  it("a write asked for while the first password is being set waits, and lands sealed", async () => {
    const { db, lock, local, storage } = await setup();
    const setting = lock.setPassword(PASSWORD);
    const write = storage.set("credential:late", LATE);
    await Promise.all([setting, write]);
    expect(isSealed((await db.get("paycardStorage", LATE_KEY))?.value)).toBe(true);
    expect(await atRest(db, local)).not.toContain(LATE.token);
    expect(await storage.get("credential:late")).toEqual(LATE);
  });

  it("a write in flight while the password is changed opens with the new password only", async () => {
    const { db, lock, local } = await setup();
    await lock.setPassword(PASSWORD);
    const hold = gate();
    const slow = moduleStorage(slowPuts(db, hold.held), "demo-bank", lock);
    const order: string[] = [];
    const write = slow.set("credential:late", LATE).then(() => order.push("write"));
    await settle();
    const change = lock.changePassword(PASSWORD, "a brand new one").then(() => order.push("change"));
    await given(change);
    expect(order).toEqual([]);
    hold.release();
    await Promise.all([write, change]);
    expect(order).toEqual(["write", "change"]);
    expect(isSealed((await db.get("paycardStorage", LATE_KEY))?.value)).toBe(true);
    expect(await atRest(db, local)).not.toContain(LATE.token);
    await lock.lock();
    expect(await codeOf(lock.unlock(PASSWORD))).toBe("wrong_password");
    await lock.unlock("a brand new one");
    const storage = moduleStorage(db, "demo-bank", lock);
    expect(await storage.get("credential:late")).toEqual(LATE);
    expect(await storage.get("credential:pc1")).toEqual(CREDENTIAL);
    // And removing the new password stores both in the clear.
    await lock.removePassword("a brand new one");
    expect((await db.get("paycardStorage", LATE_KEY))?.value).toEqual(LATE);
  });

  it("a value a module deletes while the password is removed or set stays deleted", async () => {
    const { db, lock, storage } = await setup();
    await lock.setPassword(PASSWORD);
    const removal = lock.removePassword(PASSWORD);
    const deletion = storage.delete("credential:pc1");
    await Promise.all([removal, deletion]);
    expect(await db.get("paycardStorage", "demo-bank/credential:pc1")).toBeUndefined();
    expect(await storage.get("credential:pc1")).toBeUndefined();

    await storage.set("credential:pc1", CREDENTIAL);
    const setting = lock.setPassword(PASSWORD);
    const again = storage.delete("credential:pc1");
    await Promise.all([setting, again]);
    expect(await db.get("paycardStorage", "demo-bank/credential:pc1")).toBeUndefined();
    expect(await storage.get("credential:pc1")).toBeUndefined();
  });

  it("a value deleted outside the lock's turn after unsealing read it is not written back", async () => {
    const { db, lock, local, session } = await setup();
    await lock.setPassword(PASSWORD);
    await moduleStorage(db, "demo-bank", lock).set("credential:keep", { token: "kept-secret-3d" });
    // The lock reads every sealed value, then the credential is deleted before it writes them back.
    const racing = new WalletLock({
      db: deleteAfterFirstRead(db, "demo-bank/credential:pc1"),
      local,
      session,
    });
    await racing.removePassword(PASSWORD);
    expect(await db.get("paycardStorage", "demo-bank/credential:pc1")).toBeUndefined();
    expect((await db.get("paycardStorage", "demo-bank/credential:keep"))?.value).toEqual({
      token: "kept-secret-3d",
    });
    expect(await atRest(db, local)).not.toContain(CREDENTIAL.token);
  });

  it("a value deleted outside the lock's turn after sealing read it is not written back", async () => {
    const { db, local, session } = await setup();
    const racing = new WalletLock({
      db: deleteAfterFirstRead(db, "demo-bank/credential:pc1"),
      local,
      session,
    });
    await racing.setPassword(PASSWORD);
    expect(await db.get("paycardStorage", "demo-bank/credential:pc1")).toBeUndefined();
    expect(await atRest(db, local)).not.toContain(CREDENTIAL.token);
  });
});

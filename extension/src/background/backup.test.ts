import "fake-indexeddb/auto";
import { generateKeyPair, QuickPayError } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { BACKUP_MAGIC, Backups } from "./backup";
import { openWalletDb, type WalletDatabase } from "./db";
import { walletSigner } from "./identity";
import { memoryArea, PBKDF2_ITERATIONS, WalletLock } from "./lock";
import { moduleStorage } from "./paycard-host";

const CREDENTIAL = { token: "cred-secret-backup-5b6c7d", account: "000222" };
const BACKUP_PASSWORD = "paper boat in the rain";
let n = 0;

async function wallet(options: { withData?: boolean } = {}) {
  const db = await openWalletDb(`backup-test-${++n}-${Date.now()}`);
  const pair = generateKeyPair();
  await db.put("keys", { id: "wallet", ...pair, createdAt: "2026-01-01T00:00:00.000Z" });
  await db.put("meta", { id: "wallet", walletId: `wal_${n}`, registered: true, registerMessageId: `m${n}` });
  const local = memoryArea();
  const lock = new WalletLock({ db, local, session: memoryArea() });
  let restored = 0;
  const backups = new Backups({ db, lock, onRestored: () => restored++ });
  if (options.withData) {
    await db.put("paycards", {
      paycardId: "pc1",
      moduleId: "demo-bank",
      accountLabel: "Checking ••22",
      currency: "USD",
      active: true,
      addedAt: "2026-01-02T00:00:00.000Z",
    });
    await moduleStorage(db, "demo-bank", lock).set("credential:pc1", CREDENTIAL);
    await db.put("purchases", {
      id: "p-delivered",
      status: "delivered",
      createdAt: "2026-01-03T00:00:00.000Z",
      receipt: {
        content: { mediaType: "text/html", body: "<p>the article</p>" },
        deliveredAt: "2026-01-03T00:00:01.000Z",
      },
    } as never);
    await db.put("purchases", {
      id: "p-waiting",
      status: "confirming",
      windowId: 17,
      createdAt: "2026-01-04T00:00:00.000Z",
    } as never);
    await db.put("inboxState", { id: "host", cursor: "42" });
    await db.put("confirmations", { key: "window", windowId: 17, openedAt: "2026-01-04T00:00:00.000Z" });
  }
  return { db, pair, lock, local, backups, restoredCount: () => restored };
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; words: string }> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof QuickPayError)) throw e;
    return { code: e.code, words: String((e.details as { words?: string } | undefined)?.words) };
  }
  throw new Error("not refused");
}

async function atRest(db: WalletDatabase, local: ReturnType<typeof memoryArea>) {
  const parts: unknown[] = [local.dump()];
  for (const name of db.objectStoreNames) parts.push(await db.getAll(name));
  return JSON.stringify(parts);
}

describe("encrypted backup", () => {
  it("round trip into a fresh Wallet: keys, Paycards and credentials, receipts, history and every other store", async () => {
    const a = await wallet({ withData: true });
    const { text, fileName, summary } = await a.backups.export(BACKUP_PASSWORD);
    expect(fileName).toMatch(/^quickpay-wallet-backup-\d{4}-\d{2}-\d{2}\.qpbackup$/);
    expect(text.startsWith(`${BACKUP_MAGIC} 1\n`)).toBe(true);
    expect(JSON.parse(text.split("\n")[1]!).kdf).toMatchObject({
      iterations: PBKDF2_ITERATIONS,
      hash: "SHA-256",
    });
    // Nothing readable in the file.
    expect(text).not.toContain(a.pair.privateKey);
    expect(text).not.toContain(CREDENTIAL.token);
    expect(text).not.toContain("the article");
    expect(summary).toMatchObject({ paycards: 1, purchases: 2 });

    const b = await wallet();
    expect(await b.backups.restore(text, BACKUP_PASSWORD)).toMatchObject({ paycards: 1, purchases: 2 });
    expect(b.restoredCount()).toBe(1);
    expect((await walletSigner(b.db, b.lock))?.privateKey).toBe(a.pair.privateKey);
    expect((await b.db.get("meta", "wallet"))?.walletId).toBe((await a.db.get("meta", "wallet"))?.walletId);
    expect(await b.db.getAll("paycards")).toEqual(await a.db.getAll("paycards"));
    expect(await moduleStorage(b.db, "demo-bank", b.lock).get("credential:pc1")).toEqual(CREDENTIAL);
    expect((await b.db.get("purchases", "p-delivered"))?.receipt?.content.body).toBe("<p>the article</p>");
    expect(await b.db.get("inboxState", "host")).toEqual({ id: "host", cursor: "42" });
    // A request that waited for the other browser's window is declined here; window ids stay behind.
    expect(await b.db.get("purchases", "p-waiting")).toMatchObject({ status: "declined" });
    expect((await b.db.get("purchases", "p-waiting"))?.windowId).toBeUndefined();
    expect(await b.db.getAll("confirmations")).toEqual([]);
    // Every store of the schema but the profile's own is in the backup, without naming them here.
    const contents = await Backups.open(text, BACKUP_PASSWORD);
    expect(Object.keys(contents.stores).sort()).toEqual(
      [...a.db.objectStoreNames].filter((s) => s !== "confirmations").sort(),
    );
  });

  it("a Wallet with a password exports its key opened, and a restored Wallet with a password stores it sealed", async () => {
    const a = await wallet({ withData: true });
    await a.lock.setPassword("the wallet password");
    await a.lock.lock();
    expect((await refusal(a.backups.export(BACKUP_PASSWORD))).code).toBe("wallet_locked");
    await a.lock.unlock("the wallet password");
    const { text } = await a.backups.export(BACKUP_PASSWORD);

    const b = await wallet();
    await b.lock.setPassword("another wallet password");
    await b.backups.restore(text, BACKUP_PASSWORD);
    const rest = await atRest(b.db, b.local);
    expect(rest).not.toContain(a.pair.privateKey);
    expect(rest).not.toContain(CREDENTIAL.token);
    expect((await walletSigner(b.db, b.lock))?.privateKey).toBe(a.pair.privateKey);
    expect(await moduleStorage(b.db, "demo-bank", b.lock).get("credential:pc1")).toEqual(CREDENTIAL);
  });

  it("refuses a wrong password, a damaged file and a file that is not a backup, in words, changing nothing", async () => {
    const a = await wallet({ withData: true });
    const { text } = await a.backups.export(BACKUP_PASSWORD);
    const b = await wallet();
    const before = await atRest(b.db, b.local);

    const wrong = await refusal(b.backups.restore(text, "not the password"));
    expect(wrong.code).toBe("wrong_password");
    expect(wrong.words).toMatch(/not this backup's password/);

    const file = JSON.parse(text.split("\n")[1]!) as { data: { ct: string } };
    const ct = file.data.ct;
    file.data.ct = `${ct.slice(0, 10)}${ct[10] === "A" ? "B" : "A"}${ct.slice(11)}`;
    const tampered = `${BACKUP_MAGIC} 1\n${JSON.stringify(file)}\n`;
    const bad = await refusal(b.backups.restore(tampered, BACKUP_PASSWORD));
    expect(bad).toMatchObject({ code: "invalid_request" });
    expect(bad.words).toMatch(/damaged/);

    const cut = await refusal(b.backups.restore(text.slice(0, text.length / 2), BACKUP_PASSWORD));
    expect(cut.words).toMatch(/damaged/);

    const other = await refusal(b.backups.restore('{"hello":"world"}', BACKUP_PASSWORD));
    expect(other.words).toMatch(/not a QuickPay Wallet backup/);

    const newer = await refusal(
      b.backups.restore(text.replace(`${BACKUP_MAGIC} 1`, `${BACKUP_MAGIC} 2`), BACKUP_PASSWORD),
    );
    expect(newer.words).toMatch(/newer QuickPay Wallet/);

    expect(await atRest(b.db, b.local)).toBe(before);
  });

  it("does not overwrite a Wallet that has Paycards unless the shopper confirms", async () => {
    const a = await wallet({ withData: true });
    const { text } = await a.backups.export(BACKUP_PASSWORD);
    const b = await wallet({ withData: true });
    await b.db.put("paycards", {
      paycardId: "pc-b",
      moduleId: "demo-bank",
      accountLabel: "Savings ••99",
      currency: "USD",
      active: false,
      addedAt: "2026-02-01T00:00:00.000Z",
    });
    const conflict = await refusal(b.backups.restore(text, BACKUP_PASSWORD));
    expect(conflict.code).toBe("conflict");
    expect(conflict.words).toMatch(/already has Paycards/);
    expect(await b.db.get("paycards", "pc-b")).toBeDefined();
    await b.backups.restore(text, BACKUP_PASSWORD, { replace: true });
    expect(await b.db.get("paycards", "pc-b")).toBeUndefined();
    expect((await walletSigner(b.db, b.lock))?.privateKey).toBe(a.pair.privateKey);
  });

  it("refuses a short backup password", async () => {
    const a = await wallet();
    expect((await refusal(a.backups.export("short"))).words).toMatch(/at least 8/);
  });
});

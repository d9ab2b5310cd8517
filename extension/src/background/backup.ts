/**
 * Encrypted backup of the whole Wallet and its restore into a fresh profile.
 *
 * What is in it: every IndexedDB store of the Wallet, read generically (`db.objectStoreNames`), so a
 * store added by a later schema (allowances, …) is included without a change here — except
 * `confirmations` (this browser's window ids and cool-downs, meaningless in another profile). The
 * wallet key and the Paycard modules' credentials are written opened (a password's data key does not
 * travel), and the whole is encrypted under the backup password.
 *
 * The file: a first line `QUICKPAY-WALLET-BACKUP <format>` (the magic and the format version), then
 * one JSON line `{ kdf, check, data }`: PBKDF2-SHA-256 (600,000 iterations, a random salt) gives an
 * AES-256-GCM key; `check` seals a fixed text and `data` the backup, each with its own random IV and
 * the header line plus its role as additional authenticated data. A wrong password fails `check`; a
 * file changed after it was made fails `data` (or its parsing), so the two are told apart in words.
 */
import { QuickPayError } from "@quickpay/protocol";
import { DB_VERSION, type WalletDatabase } from "./db";
import {
  deriveKey,
  fromBase64,
  isSealed,
  openBytes,
  PBKDF2_ITERATIONS,
  type Sealed,
  sealBytes,
  toBase64,
  type WalletLock,
} from "./lock";

export const BACKUP_MAGIC = "QUICKPAY-WALLET-BACKUP";
export const BACKUP_FORMAT = 1;
const HEADER = `${BACKUP_MAGIC} ${BACKUP_FORMAT}`;
const CHECK_TEXT = "quickpay wallet backup";
/** Stores that belong to this browser profile only. */
const NOT_BACKED_UP = new Set(["confirmations"]);
export const MIN_BACKUP_PASSWORD_LENGTH = 8;

interface BackupFile {
  kdf: { name: "PBKDF2"; hash: "SHA-256"; iterations: number; salt: string };
  check: Sealed;
  data: Sealed;
}

interface BackupContents {
  createdAt: string;
  /** The Wallet schema the records are in (db.ts `DB_VERSION`). */
  schema: number;
  stores: Record<string, unknown[]>;
}

export interface BackupSummary {
  paycards: number;
  purchases: number;
  createdAt: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function refused(code: "invalid_request" | "wrong_password" | "conflict", technical: string, words: string) {
  return new QuickPayError(code, technical, { words });
}

const notABackup = () =>
  refused(
    "invalid_request",
    "not a backup file",
    "This file is not a QuickPay Wallet backup. Choose the file you saved with “Download backup”.",
  );
const damaged = () =>
  refused(
    "invalid_request",
    "backup file damaged",
    "This backup file is damaged: it was changed or cut short after it was saved. Try another copy of it.",
  );

export interface BackupDeps {
  db: WalletDatabase;
  lock: WalletLock;
  now?: () => Date;
  /** Heard after a restore (the outbox and inbox may have work from the restored Wallet). */
  onRestored?: () => void;
}

export class Backups {
  constructor(private readonly deps: BackupDeps) {}

  /** The backup file's text, encrypted under `password`. A locked Wallet is refused (`wallet_locked`). */
  async export(password: string): Promise<{ fileName: string; text: string; summary: BackupSummary }> {
    if (password.length < MIN_BACKUP_PASSWORD_LENGTH)
      throw refused(
        "invalid_request",
        "backup password too short",
        `Choose a backup password of at least ${MIN_BACKUP_PASSWORD_LENGTH} characters.`,
      );
    const { db, lock } = this.deps;
    await lock.requireUnlocked();
    const stores: Record<string, unknown[]> = {};
    for (const name of db.objectStoreNames) {
      if (NOT_BACKED_UP.has(name)) continue;
      stores[name] = await db.getAll(name);
    }
    // Opened: the data key of this Wallet's password does not travel with the backup. Read and
    // opened in one turn of the lock, so no password change falls between (lock.ts `serialized`).
    await lock.serialized(async () => {
      stores.keys = await Promise.all(
        (await db.getAll("keys")).map(async (k) => {
          const { sealed: _sealed, ...rest } = k;
          return { ...rest, privateKey: await lock.privateKey(k) };
        }),
      );
      stores.paycardStorage = await Promise.all(
        (await db.getAll("paycardStorage")).map(async (r) => ({
          key: r.key,
          value: await lock.readStorage(r.key, r.value),
        })),
      );
    });
    const createdAt = (this.deps.now?.() ?? new Date()).toISOString();
    const contents: BackupContents = { createdAt, schema: DB_VERSION, stores };
    const salt = crypto.getRandomValues(new Uint8Array(new ArrayBuffer(16)));
    const key = await deriveKey(password, salt, PBKDF2_ITERATIONS);
    const file: BackupFile = {
      kdf: { name: "PBKDF2", hash: "SHA-256", iterations: PBKDF2_ITERATIONS, salt: toBase64(salt) },
      check: await sealBytes(key, `${HEADER}/check`, enc.encode(CHECK_TEXT)),
      data: await sealBytes(key, `${HEADER}/data`, enc.encode(JSON.stringify(contents))),
    };
    return {
      fileName: `quickpay-wallet-backup-${createdAt.slice(0, 10)}.qpbackup`,
      text: `${HEADER}\n${JSON.stringify(file)}\n`,
      summary: summaryOf(contents),
    };
  }

  /**
   * Replaces this Wallet with the backup's. Refused, in words: not a backup, a newer format or
   * schema, a wrong password, a damaged file, a locked Wallet, and — unless `replace` — a Wallet
   * that already has Paycards (`conflict`: the shopper must confirm).
   */
  async restore(text: string, password: string, options: { replace?: boolean } = {}): Promise<BackupSummary> {
    const contents = await Backups.open(text, password);
    const { db, lock } = this.deps;
    await lock.requireUnlocked();
    if (contents.schema > DB_VERSION)
      throw refused(
        "invalid_request",
        `backup schema ${contents.schema} > ${DB_VERSION}`,
        "This backup was made by a newer QuickPay Wallet. Update this Wallet, then restore it.",
      );
    if (!options.replace && (await db.count("paycards")) > 0)
      throw refused(
        "conflict",
        "the Wallet has Paycards",
        "This Wallet already has Paycards. Restoring replaces them and this Wallet's history with the backup's.",
      );
    // Sealed again under this Wallet's password, if it has one, and written in the same turn of the
    // lock, so a password change cannot fall between the sealing and the write (lock.ts `serialized`).
    await lock.serialized(() => this.replaceAll(contents));
    this.deps.onRestored?.();
    return summaryOf(contents);
  }

  private async replaceAll(contents: BackupContents): Promise<void> {
    const { db, lock } = this.deps;
    const stores = { ...contents.stores };
    stores.keys = await Promise.all(
      ((stores.keys ?? []) as { id: string; privateKey: string }[]).map((k) => lock.sealKeyPair(k)),
    );
    stores.paycardStorage = await Promise.all(
      ((stores.paycardStorage ?? []) as { key: string; value: never }[]).map(async (r) => ({
        key: r.key,
        value: await lock.writeStorage(r.key, r.value),
      })),
    );
    // Requests that were waiting for a window in the other browser were never answered there.
    stores.purchases = ((stores.purchases ?? []) as { status: string; windowId?: number }[]).map((p) => {
      if (p.status !== "confirming") return p;
      const { windowId: _w, ...rest } = p;
      return { ...rest, status: "declined" };
    });
    const names = [...db.objectStoreNames].filter((n) => !NOT_BACKED_UP.has(n));
    const tx = db.transaction(names, "readwrite");
    for (const name of names) {
      const store = tx.objectStore(name);
      await store.clear();
      for (const record of stores[name] ?? []) await store.put(record as never);
    }
    await tx.done;
  }

  /** Decrypts and checks a backup file's text. */
  static async open(text: string, password: string): Promise<BackupContents> {
    const newline = text.indexOf("\n");
    const header = newline < 0 ? text : text.slice(0, newline);
    const [magic, format] = header.trim().split(" ");
    if (magic !== BACKUP_MAGIC) throw notABackup();
    if (format !== String(BACKUP_FORMAT)) {
      throw refused(
        "invalid_request",
        `backup format ${format}`,
        "This backup was made by a newer QuickPay Wallet. Update this Wallet, then restore it.",
      );
    }
    let file: BackupFile;
    try {
      file = JSON.parse(text.slice(newline + 1)) as BackupFile;
      if (!isSealed(file.check) || !isSealed(file.data) || typeof file.kdf?.salt !== "string")
        throw damaged();
      if (file.kdf.name !== "PBKDF2" || file.kdf.hash !== "SHA-256" || !Number.isInteger(file.kdf.iterations))
        throw damaged();
      if (file.kdf.iterations < PBKDF2_ITERATIONS || file.kdf.iterations > 10_000_000) throw damaged();
      fromBase64(file.kdf.salt);
    } catch (e) {
      throw e instanceof QuickPayError ? e : damaged();
    }
    const key = await deriveKey(password, fromBase64(file.kdf.salt), file.kdf.iterations);
    const check = await openBytes(key, `${HEADER}/check`, file.check).catch(() => null);
    if (!check || dec.decode(check) !== CHECK_TEXT)
      throw refused(
        "wrong_password",
        "wrong backup password",
        "That is not this backup's password. Check it and try again.",
      );
    const plain = await openBytes(key, `${HEADER}/data`, file.data).catch(() => null);
    if (!plain) throw damaged();
    try {
      const contents = JSON.parse(dec.decode(plain)) as BackupContents;
      if (
        typeof contents.schema !== "number" ||
        typeof contents.stores !== "object" ||
        contents.stores === null
      )
        throw damaged();
      return contents;
    } catch {
      throw damaged();
    }
  }
}

function summaryOf(c: BackupContents): BackupSummary {
  return {
    paycards: c.stores.paycards?.length ?? 0,
    purchases: c.stores.purchases?.length ?? 0,
    createdAt: c.createdAt,
  };
}

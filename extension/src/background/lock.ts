/**
 * The optional local password. Without one, the wallet key and the Paycard modules' credentials are
 * stored as they always were. With one, both are stored sealed (AES-GCM) under a random data key;
 * the data key is stored only wrapped under a key derived from the password (PBKDF2-SHA-256,
 * 600,000 iterations, WebCrypto). Unlocking puts the data key in `chrome.storage.session` (memory
 * only, gone when the browser closes, not readable by content scripts); locking — by the shopper,
 * or after the idle time — removes it. Nothing else changes for the modules: they read and write
 * their storage as before, and the seal is applied at that storage boundary (paycard-host.ts).
 *
 * Every sealed value is `{ $sealed: 1, iv, ct }` with a fresh 96-bit IV and, as additional
 * authenticated data, where it is stored (`keys/wallet`, `paycardStorage/<key>`), so a sealed value
 * moved to another place does not open. Records are self-describing, so a worker stopped halfway
 * through sealing (or unsealing) leaves a mix that still reads; the next unlock seals the rest.
 * Key changes and every access to a sealed value run one after another (`serialized`), so a write in
 * flight during a password change lands sealed exactly when a password is set, under its key.
 */
import type { Json } from "@quickpay/paycards";
import { QuickPayError } from "@quickpay/protocol";
import type { StoredKeyPair, WalletDatabase } from "./db";

/** The minimum the issue asks for (OWASP 2023 for PBKDF2-HMAC-SHA256). */
export const PBKDF2_ITERATIONS = 600_000;
export const DEFAULT_AUTO_LOCK_MINUTES = 15;
export const AUTO_LOCK_CHOICES = [1, 5, 15, 30, 60, 240] as const;
export const MIN_PASSWORD_LENGTH = 8;

/** Where the lock's settings live (`chrome.storage.local`): salt, iterations, the wrapped data key. */
export const LOCK_CONFIG_KEY = "quickpayLock";
/** Where the unlocked data key lives (`chrome.storage.session` only). */
export const UNLOCKED_KEY = "quickpayUnlocked";

/** A `chrome.storage` area, reduced to what the lock uses; tests pass `memoryArea()`. */
export interface StorageArea {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  remove(key: string): Promise<void>;
}

export function memoryArea(): StorageArea & { dump(): Record<string, unknown> } {
  const map = new Map<string, unknown>();
  return {
    async get(key) {
      return map.has(key) ? structuredClone(map.get(key)) : undefined;
    },
    async set(key, value) {
      map.set(key, structuredClone(value));
    },
    async remove(key) {
      map.delete(key);
    },
    dump: () => Object.fromEntries(map),
  };
}

export interface Sealed {
  $sealed: 1;
  iv: string;
  ct: string;
}

export interface LockConfig {
  v: 1;
  kdf: { name: "PBKDF2"; hash: "SHA-256"; iterations: number; salt: string };
  /** The data key, sealed under the password's key (AAD `quickpay/lock/data-key`). */
  wrapped: Sealed;
  autoLockMinutes: number;
}

interface Unlocked {
  dataKey: string;
  /** Epoch ms of the shopper's last use of a Wallet page. */
  lastActivity: number;
}

export interface LockStatus {
  enabled: boolean;
  locked: boolean;
  autoLockMinutes: number;
}

export function isSealed(value: unknown): value is Sealed {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { $sealed?: unknown }).$sealed === 1 &&
    typeof (value as Sealed).iv === "string" &&
    typeof (value as Sealed).ct === "string"
  );
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text);
  const out = new Uint8Array(new ArrayBuffer(s.length));
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(new ArrayBuffer(n)));
}

/** PBKDF2-SHA-256 → an AES-256-GCM key (not extractable). */
export async function deriveKey(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number) {
  const base = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

export async function sealBytes(
  key: CryptoKey,
  aad: string,
  plain: Uint8Array<ArrayBuffer>,
): Promise<Sealed> {
  const iv = randomBytes(12);
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: enc.encode(aad) },
    key,
    plain,
  );
  return { $sealed: 1, iv: toBase64(iv), ct: toBase64(new Uint8Array(ct)) };
}

/** Throws `undefined`-free: resolves to null when the key, the AAD or the bytes do not match. */
export async function openBytes(key: CryptoKey, aad: string, sealed: Sealed): Promise<Uint8Array | null> {
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64(sealed.iv), additionalData: enc.encode(aad) },
      key,
      fromBase64(sealed.ct),
    );
    return new Uint8Array(plain);
  } catch {
    return null;
  }
}

const DATA_KEY_AAD = "quickpay/lock/data-key";
const keyAad = (id: string) => `keys/${id}`;
const storageAad = (key: string) => `paycardStorage/${key}`;

export function lockedError(): QuickPayError {
  return new QuickPayError("wallet_locked", "the Wallet is locked", {
    words: "Your QuickPay Wallet is locked. Unlock it with your password to continue.",
  });
}

function wrongPassword(): QuickPayError {
  return new QuickPayError("wrong_password", "wrong password", {
    words: "That password is not right. Check it and try again.",
  });
}

function invalid(words: string): QuickPayError {
  return new QuickPayError("invalid_request", words, { words });
}

export interface WalletLockDeps {
  db: WalletDatabase;
  /** `chrome.storage.local`: the lock's settings (nothing secret in the clear). */
  local: StorageArea;
  /** `chrome.storage.session`: the unlocked data key. */
  session: StorageArea;
  now?: () => number;
  /** Heard after an unlock (the outbox may have waited for the key). */
  onUnlocked?: () => void;
}

export class WalletLock {
  /** The tail of the lock's sequence (`serialized`): every key change and every stored-value access. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: WalletLockDeps) {}

  /**
   * Runs `step` after every step queued before it and before any queued after it. Key changes (a
   * password set, changed or removed, an unlock's sealing) and every read, write and delete of a
   * sealed value (moduleStorage, the wallet key, backups) are such steps, so a value is never sealed
   * under a key that is being replaced, written in the clear while everything is being sealed, or
   * read back into the clear after it was deleted. IndexedDB cannot hold this together by itself: a
   * transaction ends at the first await on WebCrypto, and the lock's settings live in
   * `chrome.storage`. One service worker runs at a time, so one in-memory sequence is enough.
   * `step` must not call another serialized method of this lock (it would wait for itself).
   */
  serialized<T>(step: () => Promise<T>): Promise<T> {
    const run = this.tail.then(step, step);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private async config(): Promise<LockConfig | undefined> {
    const c = await this.deps.local.get(LOCK_CONFIG_KEY);
    return c && typeof c === "object" ? (c as LockConfig) : undefined;
  }

  private async unlocked(): Promise<Unlocked | undefined> {
    const u = await this.deps.session.get(UNLOCKED_KEY);
    return u && typeof u === "object" ? (u as Unlocked) : undefined;
  }

  async status(): Promise<LockStatus> {
    const config = await this.config();
    if (!config) return { enabled: false, locked: false, autoLockMinutes: DEFAULT_AUTO_LOCK_MINUTES };
    let u = await this.unlocked();
    if (u && this.idleOver(config, u)) {
      await this.lock();
      u = undefined;
    }
    return { enabled: true, locked: !u, autoLockMinutes: config.autoLockMinutes };
  }

  async isLocked(): Promise<boolean> {
    return (await this.status()).locked;
  }

  /** Throws `wallet_locked` when a password is set and the Wallet is locked. */
  async requireUnlocked(): Promise<void> {
    if (await this.isLocked()) throw lockedError();
  }

  /** The data key while unlocked; undefined when no password is set; throws when locked. */
  private async dataKey(): Promise<CryptoKey | undefined> {
    if (!(await this.config())) return undefined;
    const u = await this.unlocked();
    if (!u) throw lockedError();
    return crypto.subtle.importKey("raw", fromBase64(u.dataKey), "AES-GCM", false, ["encrypt", "decrypt"]);
  }

  private async unwrap(config: LockConfig, password: string): Promise<Uint8Array<ArrayBuffer>> {
    const kek = await deriveKey(password, fromBase64(config.kdf.salt), config.kdf.iterations);
    const raw = await openBytes(kek, DATA_KEY_AAD, config.wrapped);
    if (!raw) throw wrongPassword();
    return new Uint8Array(raw);
  }

  private async wrap(
    raw: Uint8Array<ArrayBuffer>,
    password: string,
    autoLockMinutes: number,
  ): Promise<LockConfig> {
    const salt = randomBytes(16);
    const kek = await deriveKey(password, salt, PBKDF2_ITERATIONS);
    return {
      v: 1,
      kdf: { name: "PBKDF2", hash: "SHA-256", iterations: PBKDF2_ITERATIONS, salt: toBase64(salt) },
      wrapped: await sealBytes(kek, DATA_KEY_AAD, raw),
      autoLockMinutes,
    };
  }

  private static checkPassword(password: string): void {
    if (password.length < MIN_PASSWORD_LENGTH)
      throw invalid(`Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`);
  }

  private static checkMinutes(minutes: number): void {
    if (!(AUTO_LOCK_CHOICES as readonly number[]).includes(minutes))
      throw invalid("Choose one of the offered times for locking by itself.");
  }

  /** Sets the first password: the Wallet stays unlocked, and the key and credentials are sealed. */
  async setPassword(password: string, autoLockMinutes = DEFAULT_AUTO_LOCK_MINUTES): Promise<void> {
    WalletLock.checkPassword(password);
    WalletLock.checkMinutes(autoLockMinutes);
    await this.serialized(async () => {
      if (await this.config())
        throw invalid("This Wallet already has a password. Change it with your current password.");
      const raw = randomBytes(32);
      const config = await this.wrap(raw, password, autoLockMinutes);
      await this.deps.session.set(UNLOCKED_KEY, { dataKey: toBase64(raw), lastActivity: this.now() });
      await this.deps.local.set(LOCK_CONFIG_KEY, config);
      await this.sealAll();
    });
  }

  async changePassword(current: string, next: string): Promise<void> {
    WalletLock.checkPassword(next);
    await this.serialized(async () => {
      const config = await this.config();
      if (!config) throw invalid("This Wallet has no password yet.");
      const raw = await this.unwrap(config, current);
      await this.deps.local.set(LOCK_CONFIG_KEY, await this.wrap(raw, next, config.autoLockMinutes));
    });
  }

  /** Removes the password (the current one confirms it): everything is stored unsealed again. */
  async removePassword(current: string): Promise<void> {
    await this.serialized(async () => {
      const config = await this.config();
      if (!config) return;
      const raw = await this.unwrap(config, current);
      await this.deps.session.set(UNLOCKED_KEY, { dataKey: toBase64(raw), lastActivity: this.now() });
      await this.unsealAll();
      await this.deps.local.remove(LOCK_CONFIG_KEY);
      await this.deps.session.remove(UNLOCKED_KEY);
    });
  }

  async setAutoLock(minutes: number): Promise<void> {
    WalletLock.checkMinutes(minutes);
    await this.serialized(async () => {
      const config = await this.config();
      if (!config) throw invalid("Set a password first: only a Wallet with a password locks.");
      await this.deps.local.set(LOCK_CONFIG_KEY, { ...config, autoLockMinutes: minutes });
    });
  }

  async unlock(password: string): Promise<void> {
    const unlocked = await this.serialized(async () => {
      const config = await this.config();
      if (!config) return false;
      const raw = await this.unwrap(config, password);
      await this.deps.session.set(UNLOCKED_KEY, { dataKey: toBase64(raw), lastActivity: this.now() });
      // A worker stopped while sealing left some values in the clear: seal them now.
      await this.sealAll();
      return true;
    });
    if (unlocked) this.deps.onUnlocked?.();
  }

  async lock(): Promise<void> {
    await this.deps.session.remove(UNLOCKED_KEY);
  }

  /** The shopper used a Wallet page: the idle time starts again (after checking it had not run out). */
  async touch(): Promise<void> {
    if (!(await this.config())) return;
    if (await this.checkIdle()) return;
    const u = await this.unlocked();
    if (u) await this.deps.session.set(UNLOCKED_KEY, { ...u, lastActivity: this.now() });
  }

  private idleOver(config: LockConfig, u: Unlocked): boolean {
    return this.now() - u.lastActivity >= config.autoLockMinutes * 60_000;
  }

  /** Locks when the idle time has run out; true when it locked now. */
  async checkIdle(): Promise<boolean> {
    const config = await this.config();
    const u = await this.unlocked();
    if (!config || !u || !this.idleOver(config, u)) return false;
    await this.lock();
    return true;
  }

  // ---- the storage boundary --------------------------------------------------------------------

  /** The wallet's private key, opened when it is stored sealed. */
  async privateKey(keys: StoredKeyPair): Promise<string> {
    if (keys.sealed === undefined) return keys.privateKey;
    const key = await this.dataKey();
    if (!key) throw lockedError();
    const plain = await openBytes(key, keyAad(keys.id), keys.sealed);
    if (!plain)
      throw new QuickPayError("internal", "the stored wallet key does not open with this Wallet's key");
    return dec.decode(plain);
  }

  /** A key pair as it is to be stored: sealed when a password is set (throws when locked). */
  async sealKeyPair<K extends { id: string; privateKey: string }>(keys: K): Promise<K & { sealed?: Sealed }> {
    const dataKey = await this.dataKey();
    if (!dataKey) return keys;
    return {
      ...keys,
      privateKey: "",
      sealed: await sealBytes(dataKey, keyAad(keys.id), enc.encode(keys.privateKey)),
    };
  }

  /** A module's stored value as the module wrote it. */
  async readStorage(key: string, stored: Json): Promise<Json> {
    if (!isSealed(stored)) return stored;
    const dataKey = await this.dataKey();
    if (!dataKey) throw lockedError();
    const plain = await openBytes(dataKey, storageAad(key), stored);
    if (!plain)
      throw new QuickPayError("internal", "a stored Paycard credential does not open with this Wallet's key");
    return JSON.parse(dec.decode(plain)) as Json;
  }

  /** What is stored for a module's value: sealed when a password is set (throws when locked). */
  async writeStorage(key: string, value: Json): Promise<Json> {
    const dataKey = await this.dataKey();
    if (!dataKey) return value;
    return (await sealBytes(dataKey, storageAad(key), enc.encode(JSON.stringify(value)))) as unknown as Json;
  }

  /** Seals every key pair and module value still in the clear (data key in the session). */
  private async sealAll(): Promise<void> {
    const dataKey = await this.dataKey();
    if (!dataKey) return;
    const { db } = this.deps;
    const keys = (await db.getAll("keys")).filter((k) => k.sealed === undefined);
    const sealedKeys = await Promise.all(
      keys.map(async (k) => ({
        before: k,
        after: {
          ...k,
          privateKey: "",
          sealed: await sealBytes(dataKey, keyAad(k.id), enc.encode(k.privateKey)),
        } satisfies StoredKeyPair,
      })),
    );
    const values = (await db.getAll("paycardStorage")).filter((r) => !isSealed(r.value));
    const sealedValues = await Promise.all(
      values.map(async (r) => ({
        before: r,
        after: {
          key: r.key,
          value: (await sealBytes(
            dataKey,
            storageAad(r.key),
            enc.encode(JSON.stringify(r.value)),
          )) as unknown as Json,
        },
      })),
    );
    // Written only where nothing changed meanwhile (a module writing now seals its own value).
    const tx = db.transaction(["keys", "paycardStorage"], "readwrite");
    for (const { before, after } of sealedKeys) {
      const now = await tx.objectStore("keys").get(before.id);
      if (now && now.sealed === undefined && now.privateKey === before.privateKey)
        await tx.objectStore("keys").put(after);
    }
    for (const { before, after } of sealedValues) {
      const now = await tx.objectStore("paycardStorage").get(before.key);
      if (now && JSON.stringify(now.value) === JSON.stringify(before.value))
        await tx.objectStore("paycardStorage").put(after);
    }
    await tx.done;
  }

  private async unsealAll(): Promise<void> {
    const { db } = this.deps;
    const keys = await Promise.all(
      (await db.getAll("keys"))
        .filter((k) => k.sealed !== undefined)
        .map(async (k) => {
          const { sealed: _sealed, ...rest } = k;
          return { ...rest, privateKey: await this.privateKey(k) } satisfies StoredKeyPair;
        }),
    );
    const sealedValues = (await db.getAll("paycardStorage")).filter((r) => isSealed(r.value));
    const sealedBefore = new Map(sealedValues.map((r) => [r.key, r.value]));
    const values = await Promise.all(
      sealedValues.map(async (r) => ({ key: r.key, value: await this.readStorage(r.key, r.value) })),
    );
    // Written only where the sealed value read is still there: a value deleted meanwhile (by the
    // outbox giving up a Forget Paycard, which does not take the lock's turn) stays deleted.
    const tx = db.transaction(["keys", "paycardStorage"], "readwrite");
    for (const k of keys) {
      const now = await tx.objectStore("keys").get(k.id);
      if (now?.sealed !== undefined) await tx.objectStore("keys").put(k);
    }
    for (const r of values) {
      const now = await tx.objectStore("paycardStorage").get(r.key);
      if (now && JSON.stringify(now.value) === JSON.stringify(sealedBefore.get(r.key)))
        await tx.objectStore("paycardStorage").put(r);
    }
    await tx.done;
  }
}

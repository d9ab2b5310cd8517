/** Add Paycard state: question sessions with limited attempts, and wallet ↔ account bindings. */
import { base64url, newId, QuickPayError, randomBytes, sha256Hex } from "@quickpay/protocol";
import type { LedgerDatabase } from "./database";

export interface SessionRow {
  session_id: string;
  wallet_id: string;
  module_id: string;
  attempts_left: number;
  status: "open" | "bound" | "locked";
  paycard_id: string | null;
  expires_at: number;
  created_at: number;
}

export interface PaycardRow {
  paycard_id: string;
  wallet_id: string;
  account_id: string;
  credential_hash: string;
  status: "active" | "revoked";
  created_at: number;
}

/** A fresh bearer credential: 32 random bytes, base64url. Only its hash is stored. */
export function newCredential(): string {
  return base64url.encode(randomBytes(32));
}

export function credentialHash(credential: string): string {
  return sha256Hex(`quickpay-credential:${credential}`);
}

export class PaycardsStore {
  constructor(private readonly db: LedgerDatabase) {}

  openSession(walletId: string, moduleId: string, attempts: number, expiresAt: number, now: number) {
    const sessionId = newId("s_");
    this.db
      .prepare(
        `INSERT INTO sessions (session_id, wallet_id, module_id, attempts_left, status, expires_at, created_at)
         VALUES (?, ?, ?, ?, 'open', ?, ?)`,
      )
      .run(sessionId, walletId, moduleId, attempts, expiresAt, now);
    return this.session(sessionId)!;
  }

  session(sessionId: string): SessionRow | undefined {
    return this.db.prepare("SELECT * FROM sessions WHERE session_id = ?").get(sessionId) as
      | SessionRow
      | undefined;
  }

  /** Counts one wrong answer; the session locks when none are left. Returns the attempts left. */
  recordWrongAnswer(sessionId: string): number {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE sessions SET attempts_left = MAX(attempts_left - 1, 0),
             status = CASE WHEN attempts_left - 1 <= 0 THEN 'locked' ELSE status END
           WHERE session_id = ? AND status = 'open'`,
        )
        .run(sessionId);
      return this.session(sessionId)!.attempts_left;
    })();
  }

  /**
   * Binds the wallet to the account and closes the session, atomically. A wallet that adds the same
   * account again keeps its Paycard id and gets a new credential (the old one stops working).
   */
  bind(sessionId: string, walletId: string, accountId: string, now: number) {
    const credential = newCredential();
    const hash = credentialHash(credential);
    const paycardId = this.db.transaction(() => {
      const session = this.session(sessionId);
      if (session?.status !== "open") {
        throw new QuickPayError("conflict", `session ${sessionId} is no longer open`);
      }
      const existing = this.db
        .prepare("SELECT paycard_id FROM paycards WHERE wallet_id = ? AND account_id = ?")
        .get(walletId, accountId) as { paycard_id: string } | undefined;
      const id = existing?.paycard_id ?? newId("p_");
      if (existing) {
        this.db
          .prepare("UPDATE paycards SET credential_hash = ?, status = 'active' WHERE paycard_id = ?")
          .run(hash, id);
      } else {
        this.db
          .prepare(
            `INSERT INTO paycards (paycard_id, wallet_id, account_id, credential_hash, created_at)
             VALUES (?, ?, ?, ?, ?)`,
          )
          .run(id, walletId, accountId, hash, now);
      }
      this.db
        .prepare("UPDATE sessions SET status = 'bound', paycard_id = ? WHERE session_id = ?")
        .run(id, sessionId);
      return id;
    })();
    return { paycardId, credential };
  }

  /**
   * Forget Paycard: the credential stops working for balance and Inquiry Payment. Holds and
   * endorsements already given are untouched (the vendor was promised them); adding the same account
   * again later re-activates the Paycard with a new credential (`bind`).
   */
  revoke(paycardId: string): void {
    this.db.prepare("UPDATE paycards SET status = 'revoked' WHERE paycard_id = ?").run(paycardId);
  }

  paycard(paycardId: string): PaycardRow | undefined {
    return this.db.prepare("SELECT * FROM paycards WHERE paycard_id = ?").get(paycardId) as
      | PaycardRow
      | undefined;
  }

  /**
   * The Paycard a wallet presents with its credential; `unauthorized` unless the paycard exists, is
   * bound to this wallet, is active and the credential matches (one error for all, so nothing leaks).
   */
  authorize(paycardId: string, walletId: string, credential: string): PaycardRow {
    const row = this.paycard(paycardId);
    if (
      !row ||
      row.wallet_id !== walletId ||
      row.status !== "active" ||
      row.credential_hash !== credentialHash(credential)
    ) {
      throw new QuickPayError(
        "unauthorized",
        `Paycard ${paycardId} is not bound to this wallet and credential`,
      );
    }
    return row;
  }
}

/**
 * The SQLite store's write path: one IMMEDIATE transaction per `apply(writes)`, each write checked
 * against its idempotency record, then its effect applied with the shared rules (`rules.ts`).
 * Effects check before they write, so a refused write leaves nothing behind.
 */
import type Database from "better-sqlite3";
import {
  decideBrokerSettlement,
  decideRevoke,
  decideSettlement,
  isFlagged,
  sameAmount,
  voteEndorsement,
  walletOfOrder,
} from "./rules";
import { makeRegisterPlayer } from "./sqlite-players";
import type { SqliteRows } from "./sqlite-rows";
import type {
  Effect,
  EffectResult,
  MailInput,
  Outcome,
  RegisteredResult,
  SettleItemResult,
  Write,
} from "./types";

class Refusal {
  constructor(readonly outcome: Extract<Outcome, { status: "refused" }>) {}
}
const refuse = (code: Extract<Outcome, { status: "refused" }>["code"], message: string) => {
  throw new Refusal({ status: "refused", code, message });
};

export function makeApply(db: Database.Database, rows: SqliteRows) {
  const q = {
    idem: db.prepare("SELECT fingerprint, result FROM idempotency WHERE sender = ? AND message_id = ?"),
    putIdem: db.prepare(
      "INSERT INTO idempotency (sender, message_id, fingerprint, result, recorded_at) VALUES (?, ?, ?, ?, ?)",
    ),
    setStatus: db.prepare("UPDATE players SET status = ? WHERE id = ?"),
    insertRegistration: db.prepare(
      `INSERT INTO registrations (order_digest, side, commit_id, vendor_id, currency, micros, endorsement,
         sender, message_id, recorded_at, flagged, payer_salt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertRevoke: db.prepare(
      `INSERT INTO revokes (order_digest, commit_id, vendor_id, broker_id, currency, micros, reason,
         message_id, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertSettlement: db.prepare(
      `INSERT INTO settlements (order_digest, vendor_id, broker_id, commit_id, currency, micros, path,
         settled_at, approval) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertMail: db.prepare(
      "INSERT INTO mail (recipient, sender, message_id, kind, body, posted_at) VALUES (?, ?, ?, ?, ?, ?)",
    ),
  };

  const registerPlayer = makeRegisterPlayer(db, rows, refuse);

  function resolveRecipient(to: MailInput["to"]): string {
    if ("walletOfOrder" in to) {
      const wallet = walletOfOrder(rows.registrations(to.walletOfOrder), to.endorsedBy);
      if (!wallet) return refuse("not_registered", `no wallet registered order ${to.walletOfOrder}`);
      return wallet;
    }
    if (!rows.player(to.playerId)) return refuse("unknown_player", `no player ${to.playerId}`);
    return to.playerId;
  }

  function post(w: Write, recipient: string, kind: string, body: unknown): void {
    q.insertMail.run(recipient, w.from, w.messageId, kind, JSON.stringify(body), w.at);
  }

  function applyEffect(w: Write, effect: Effect): unknown {
    switch (effect.kind) {
      case "registerPlayer":
        return registerPlayer(effect);
      case "setPlayerStatus": {
        if (!rows.player(effect.playerId)) refuse("unknown_player", `no player ${effect.playerId}`);
        q.setStatus.run(effect.status, effect.playerId);
        return { playerId: effect.playerId, status: effect.status } satisfies EffectResult["setPlayerStatus"];
      }
      case "register": {
        const registered: RegisteredResult[] = [];
        for (const r of effect.registrations) {
          const flagged = isFlagged(r, rows.registrations(r.orderDigest));
          q.insertRegistration.run(
            r.orderDigest,
            r.side,
            r.commitId,
            r.vendorId,
            r.amount.currency,
            r.amount.micros,
            r.endorsement ? JSON.stringify(r.endorsement) : null,
            w.from,
            w.messageId,
            w.at,
            flagged ? 1 : 0,
            r.payerSalt ?? null,
          );
          registered.push({ orderDigest: r.orderDigest, side: r.side, recordedAt: w.at, flagged });
        }
        return { registered } satisfies EffectResult["register"];
      }
      case "revoke": {
        const r = effect.revoke;
        const decision = decideRevoke({
          brokerId: r.brokerId,
          revoke: r,
          registrations: rows.registrations(r.orderDigest),
          revokes: rows.revokes(r.orderDigest),
        });
        if (!decision.ok) refuse(decision.code, decision.reason);
        const recipient = resolveRecipient(effect.alert.to);
        q.insertRevoke.run(
          r.orderDigest,
          r.commitId,
          r.vendorId,
          r.brokerId,
          r.amount.currency,
          r.amount.micros,
          r.reason ?? null,
          w.messageId,
          w.at,
        );
        post(w, recipient, effect.alert.kind, effect.alert.body);
        return { orderDigest: r.orderDigest, revokedAt: w.at } satisfies EffectResult["revoke"];
      }
      case "settle": {
        const results: SettleItemResult[] = effect.items.map((item) => {
          const registrations = rows.registrations(item.orderDigest);
          const presented = item.presentedEndorsement?.endorsement;
          const choice = voteEndorsement(item.orderDigest, registrations, presented);
          const decision = decideSettlement({
            orderDigest: item.orderDigest,
            vendorId: effect.vendorId,
            registrations,
            presentedEndorsement: presented,
            revokes: rows.revokes(item.orderDigest),
            settlements: rows.settlements(item.orderDigest),
            brokerStatus: choice.ok ? rows.player(choice.endorsement.brokerId)?.status : undefined,
          });
          if (!decision.ok) {
            return {
              orderDigest: item.orderDigest,
              status: "rejected",
              code: decision.code,
              reason: decision.reason,
            };
          }
          const e = decision.endorsement;
          const a = item.approval;
          const amount = rows.money(e.amount);
          if (!a || a.commitId !== e.commitId || a.brokerId !== e.brokerId || !sameAmount(a.amount, amount)) {
            return {
              orderDigest: item.orderDigest,
              status: "rejected",
              code: "mismatch",
              reason: "the registrations changed while the approval was prepared; settle again",
            };
          }
          q.insertSettlement.run(
            item.orderDigest,
            effect.vendorId,
            e.brokerId,
            e.commitId,
            amount.currency,
            amount.micros,
            "host",
            w.at,
            JSON.stringify(a.document),
          );
          post(w, e.brokerId, "SettlementApproval", a.document);
          return { orderDigest: item.orderDigest, status: "approved", approval: a.document };
        });
        return { results } satisfies EffectResult["settle"];
      }
      case "registerSettlement": {
        const out: EffectResult["registerSettlement"] = {
          statementId: effect.statementId,
          recorded: [],
          alreadySettled: [],
          rejected: [],
        };
        for (const digest of effect.orderDigests) {
          const d = decideBrokerSettlement({
            brokerId: effect.brokerId,
            vendorId: effect.vendorId,
            registrations: rows.registrations(digest),
            revokes: rows.revokes(digest),
            settlements: rows.settlements(digest),
          });
          if (d.outcome === "rejected") {
            out.rejected.push({ orderDigest: digest, code: d.code, reason: d.reason });
          } else if (d.outcome === "alreadySettled") {
            out.alreadySettled.push(digest);
          } else {
            if (d.outcome === "record") {
              q.insertSettlement.run(
                digest,
                effect.vendorId,
                effect.brokerId,
                d.commitId,
                d.amount.currency,
                d.amount.micros,
                "broker",
                w.at,
                JSON.stringify({ statementId: effect.statementId }),
              );
            }
            out.recorded.push(digest);
          }
        }
        return out;
      }
      case "post": {
        const recipient = resolveRecipient(effect.mail.to);
        post(w, recipient, effect.mail.kind, effect.mail.body);
        return { postedAt: w.at } satisfies EffectResult["post"];
      }
    }
  }

  function applyOne(w: Write): Outcome {
    const seen = q.idem.get(w.from, w.messageId) as { fingerprint: string; result: string } | undefined;
    if (seen) {
      return seen.fingerprint === w.fingerprint
        ? { status: "repeat", result: JSON.parse(seen.result) }
        : { status: "conflict", message: `message id ${w.messageId} was already used with another body` };
    }
    try {
      const result = applyEffect(w, w.effect);
      q.putIdem.run(w.from, w.messageId, w.fingerprint, JSON.stringify(result), w.at);
      return { status: "applied", result };
    } catch (error) {
      if (error instanceof Refusal) return error.outcome;
      throw error;
    }
  }

  return db.transaction((writes: Write[]) => writes.map(applyOne));
}

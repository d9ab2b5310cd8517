/**
 * The PostgreSQL store's rare effects (players, status, revoke, settle, post), one write at a time
 * inside the batch's transaction. Each runs under a savepoint: a refusal rolls back to it, so a
 * refused write leaves nothing behind and never undoes another write of the batch.
 */
import { parseMoney } from "@quickpay/protocol";
import {
  decideBrokerSettlement,
  decideRevoke,
  decideSettlement,
  sameAmount,
  voteEndorsement,
  walletOfOrder,
} from "../rules";
import type { Effect, EffectResult, MailInput, Outcome, SettleItemResult, Write } from "../types";
import { lockDigests } from "./locks";
import { registerPlayer } from "./players";
import { getPlayer, type Queryable, registrations, revokes, settlements } from "./rows";

type Refused = Extract<Outcome, { status: "refused" }>;

export class Refusal {
  constructor(readonly outcome: Refused) {}
}
const refuse = (code: Refused["code"], message: string): never => {
  throw new Refusal({ status: "refused", code, message });
};

async function resolveRecipient(db: Queryable, to: MailInput["to"]): Promise<string> {
  if ("walletOfOrder" in to) {
    await lockDigests(db, [to.walletOfOrder]);
    const wallet = walletOfOrder(await registrations(db, to.walletOfOrder), to.endorsedBy);
    return wallet ?? refuse("not_registered", `no wallet registered order ${to.walletOfOrder}`);
  }
  const { rows } = await db.query("SELECT 1 FROM players WHERE id = $1", [to.playerId]);
  if (rows.length === 0) refuse("unknown_player", `no player ${to.playerId}`);
  return to.playerId;
}

/** Appends to a mailbox; the head row's lock orders cursors within one recipient by commit. */
async function post(db: Queryable, w: Write, recipient: string, kind: string, body: unknown): Promise<void> {
  await db.query(
    `WITH head AS (
       INSERT INTO mail_heads (recipient, last) VALUES ($1, 1)
       ON CONFLICT (recipient) DO UPDATE SET last = mail_heads.last + 1 RETURNING last)
     INSERT INTO mail (recipient, n, sender, message_id, kind, body, posted_at)
     SELECT $1, last, $2, $3, $4, $5::json, $6 FROM head`,
    [recipient, w.from, w.messageId, kind, JSON.stringify(body ?? null), w.at],
  );
}

async function settle(db: Queryable, w: Write, effect: Extract<Effect, { kind: "settle" }>) {
  await lockDigests(
    db,
    effect.items.map((i) => i.orderDigest),
  );
  const results: SettleItemResult[] = [];
  for (const item of effect.items) {
    const registered = await registrations(db, item.orderDigest);
    const presented = item.presentedEndorsement?.endorsement;
    const choice = voteEndorsement(item.orderDigest, registered, presented);
    const decision = decideSettlement({
      orderDigest: item.orderDigest,
      vendorId: effect.vendorId,
      registrations: registered,
      presentedEndorsement: presented,
      revokes: await revokes(db, item.orderDigest),
      settlements: await settlements(db, item.orderDigest),
      // Read in the transaction: a broker suspended since the approval was prepared is refused.
      brokerStatus: choice.ok ? (await getPlayer(db, choice.endorsement.brokerId))?.status : undefined,
    });
    if (!decision.ok) {
      results.push({
        orderDigest: item.orderDigest,
        status: "rejected",
        code: decision.code,
        reason: decision.reason,
      });
      continue;
    }
    const e = decision.endorsement;
    const a = item.approval;
    const amount = parseMoney(e.amount);
    if (!a || a.commitId !== e.commitId || a.brokerId !== e.brokerId || !sameAmount(a.amount, amount)) {
      results.push({
        orderDigest: item.orderDigest,
        status: "rejected",
        code: "mismatch",
        reason: "the registrations changed while the approval was prepared; settle again",
      });
      continue;
    }
    await db.query(
      `INSERT INTO settlements (order_digest, vendor_id, broker_id, commit_id, currency, micros, path,
         settled_at, approval) VALUES ($1, $2, $3, $4, $5, $6, 'host', $7, $8::json)`,
      [
        item.orderDigest,
        effect.vendorId,
        e.brokerId,
        e.commitId,
        amount.currency,
        amount.micros,
        w.at,
        JSON.stringify(a.document ?? null),
      ],
    );
    await post(db, w, e.brokerId, "SettlementApproval", a.document);
    results.push({ orderDigest: item.orderDigest, status: "approved", approval: a.document });
  }
  return { results } satisfies EffectResult["settle"];
}

/** Register Settlement: the broker settled these digests itself; decided per digest by the rules. */
async function registerSettlement(
  db: Queryable,
  w: Write,
  effect: Extract<Effect, { kind: "registerSettlement" }>,
): Promise<EffectResult["registerSettlement"]> {
  await lockDigests(db, effect.orderDigests);
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
      registrations: await registrations(db, digest),
      revokes: await revokes(db, digest),
      settlements: await settlements(db, digest),
    });
    if (d.outcome === "rejected") {
      out.rejected.push({ orderDigest: digest, code: d.code, reason: d.reason });
      continue;
    }
    if (d.outcome === "alreadySettled") {
      out.alreadySettled.push(digest);
      continue;
    }
    if (d.outcome === "record") {
      await db.query(
        `INSERT INTO settlements (order_digest, vendor_id, broker_id, commit_id, currency, micros, path,
           settled_at, approval) VALUES ($1, $2, $3, $4, $5, $6, 'broker', $7, $8::json)`,
        [
          digest,
          effect.vendorId,
          effect.brokerId,
          d.commitId,
          d.amount.currency,
          d.amount.micros,
          w.at,
          JSON.stringify({ statementId: effect.statementId }),
        ],
      );
    }
    out.recorded.push(digest);
  }
  return out;
}

/** Applies one non-register effect; throws `Refusal` when the rules refuse it. */
export async function applyEffect(db: Queryable, w: Write): Promise<unknown> {
  const effect = w.effect;
  switch (effect.kind) {
    case "registerPlayer":
      return registerPlayer(db, effect, refuse);
    case "setPlayerStatus": {
      const updated = await db.query("UPDATE players SET status = $2 WHERE id = $1", [
        effect.playerId,
        effect.status,
      ]);
      if (updated.rowCount === 0) refuse("unknown_player", `no player ${effect.playerId}`);
      return { playerId: effect.playerId, status: effect.status } satisfies EffectResult["setPlayerStatus"];
    }
    case "revoke": {
      const r = effect.revoke;
      await lockDigests(db, [r.orderDigest]);
      const decision = decideRevoke({
        brokerId: r.brokerId,
        revoke: r,
        registrations: await registrations(db, r.orderDigest),
        revokes: await revokes(db, r.orderDigest),
      });
      if (!decision.ok) refuse(decision.code, decision.reason);
      const recipient = await resolveRecipient(db, effect.alert.to);
      await db.query(
        `INSERT INTO revokes (order_digest, commit_id, vendor_id, broker_id, currency, micros, reason,
           message_id, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          r.orderDigest,
          r.commitId,
          r.vendorId,
          r.brokerId,
          r.amount.currency,
          r.amount.micros,
          r.reason ?? null,
          w.messageId,
          w.at,
        ],
      );
      await post(db, w, recipient, effect.alert.kind, effect.alert.body);
      return { orderDigest: r.orderDigest, revokedAt: w.at } satisfies EffectResult["revoke"];
    }
    case "settle":
      return settle(db, w, effect);
    case "registerSettlement":
      return registerSettlement(db, w, effect);
    case "post": {
      const recipient = await resolveRecipient(db, effect.mail.to);
      await post(db, w, recipient, effect.mail.kind, effect.mail.body);
      return { postedAt: w.at } satisfies EffectResult["post"];
    }
    case "register":
      throw new Error("register effects take the bulk path (register.ts)");
  }
}

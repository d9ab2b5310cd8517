/**
 * The PostgreSQL store's `registerPlayer` effect, inside the batch's transaction (rules:
 * player-rules.ts). Locks are taken in one order — every player row involved, by id, then the origin
 * rows — so a vendor taking an origin and the vendor losing it, re-registering at the same moment,
 * never deadlock; the primary key on `vendor_origins.origin` still arbitrates two claims of a new one.
 */
import type { ErrorCode } from "@quickpay/protocol";
import { decideRegisterPlayer, endpointOn } from "../player-rules";
import type { Effect, EffectResult } from "../types";
import { getPlayer, type Queryable } from "./rows";

type RegisterPlayer = Extract<Effect, { kind: "registerPlayer" }>;

async function owners(db: Queryable, origins: string[], lock: boolean): Promise<Map<string, string>> {
  const { rows } = await db.query<{ origin: string; vendor_id: string }>(
    `SELECT origin, vendor_id FROM vendor_origins WHERE origin = ANY($1::text[]) ORDER BY origin${lock ? " FOR UPDATE" : ""}`,
    [origins],
  );
  return new Map(rows.map((r) => [r.origin, r.vendor_id]));
}

export async function registerPlayer(
  db: Queryable,
  effect: RegisterPlayer,
  refuse: (code: ErrorCode, message: string) => never,
): Promise<EffectResult["registerPlayer"]> {
  const { player } = effect;
  const origins = player.origins ?? [];
  const seen = await owners(db, origins, false);
  const involved = [
    ...new Set([player.id, ...seen.values(), ...(effect.rotatedFrom ? [effect.rotatedFrom] : [])]),
  ];
  await db.query("SELECT 1 FROM players WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE", [involved]);
  const held = await owners(db, origins, true);
  for (const [origin, owner] of held) {
    // Another vendor's claim committed between the two reads: its row is not locked here.
    if (seen.get(origin) !== owner) refuse("conflict", `origin ${origin} was claimed at the same time`);
  }
  const existing = await getPlayer(db, player.id);
  const rotatedFrom = effect.rotatedFrom ? await getPlayer(db, effect.rotatedFrom) : undefined;
  const decision = decideRegisterPlayer({ effect, existing, owners: held, rotatedFrom });
  if (!decision.ok) return refuse(decision.code, decision.reason);

  for (const { origin, from } of decision.taken) {
    const loser = await getPlayer(db, from);
    await db.query("DELETE FROM vendor_origins WHERE origin = $1", [origin]);
    if (endpointOn(loser?.endpoint, origin)) {
      await db.query("UPDATE players SET endpoint = NULL WHERE id = $1", [from]);
    }
  }
  if (rotatedFrom) {
    await db.query("UPDATE players SET status = 'suspended', endpoint = NULL WHERE id = $1", [
      rotatedFrom.id,
    ]);
    await db.query("DELETE FROM vendor_origins WHERE vendor_id = $1", [rotatedFrom.id]);
  }
  if (!existing) {
    // ON CONFLICT: another process registered the same player since our read; keep its row.
    await db.query(
      `INSERT INTO players (id, kind, public_key, status, registered_at, name, endpoint)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
      [
        player.id,
        player.kind,
        player.publicKey,
        player.status,
        player.registeredAt,
        player.name ?? null,
        player.endpoint ?? null,
      ],
    );
  } else {
    await db.query("UPDATE players SET name = $2, endpoint = $3 WHERE id = $1", [
      player.id,
      player.name ?? null,
      player.endpoint ?? null,
    ]);
  }
  if (player.kind === "vendor") {
    await db.query("DELETE FROM vendor_origins WHERE vendor_id = $1", [player.id]);
    const inserted = await db.query(
      `INSERT INTO vendor_origins (origin, vendor_id, position)
       SELECT o, $2, n FROM unnest($1::text[]) WITH ORDINALITY AS t(o, n) ON CONFLICT (origin) DO NOTHING`,
      [origins, player.id],
    );
    if ((inserted.rowCount ?? 0) < new Set(origins).size) {
      refuse("conflict", "one of the origins belongs to another vendor");
    }
  }
  return { playerId: player.id };
}

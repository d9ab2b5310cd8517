/** The SQLite store's `registerPlayer` effect, inside `apply`'s transaction (rules: player-rules.ts). */

import type { ErrorCode } from "@quickpay/protocol";
import type Database from "better-sqlite3";
import { decideRegisterPlayer, endpointOn } from "./player-rules";
import type { SqliteRows } from "./sqlite-rows";
import type { Effect, EffectResult } from "./types";

type RegisterPlayer = Extract<Effect, { kind: "registerPlayer" }>;

export function makeRegisterPlayer(
  db: Database.Database,
  rows: SqliteRows,
  refuse: (code: ErrorCode, message: string) => never,
) {
  const q = {
    insertPlayer: db.prepare(
      `INSERT INTO players (id, kind, public_key, status, registered_at, name, endpoint)
       VALUES (@id, @kind, @publicKey, @status, @registeredAt, @name, @endpoint)`,
    ),
    updateDetails: db.prepare("UPDATE players SET name = ?, endpoint = ? WHERE id = ?"),
    clearEndpoint: db.prepare("UPDATE players SET endpoint = NULL WHERE id = ?"),
    suspend: db.prepare("UPDATE players SET status = 'suspended' WHERE id = ?"),
    originOwner: db.prepare("SELECT vendor_id FROM vendor_origins WHERE origin = ?"),
    dropOrigin: db.prepare("DELETE FROM vendor_origins WHERE origin = ?"),
    dropOrigins: db.prepare("DELETE FROM vendor_origins WHERE vendor_id = ?"),
    addOrigin: db.prepare("INSERT INTO vendor_origins (origin, vendor_id) VALUES (?, ?)"),
  };

  return function registerPlayer(effect: RegisterPlayer): EffectResult["registerPlayer"] {
    const { player } = effect;
    const owners = new Map<string, string>();
    for (const origin of player.origins ?? []) {
      const owner = q.originOwner.get(origin) as { vendor_id: string } | undefined;
      if (owner) owners.set(origin, owner.vendor_id);
    }
    const rotatedFrom = effect.rotatedFrom ? rows.player(effect.rotatedFrom) : undefined;
    const decision = decideRegisterPlayer({ effect, existing: rows.player(player.id), owners, rotatedFrom });
    if (!decision.ok) return refuse(decision.code, decision.reason);

    for (const { origin, from } of decision.taken) {
      const loser = rows.player(from);
      q.dropOrigin.run(origin);
      if (endpointOn(loser?.endpoint, origin)) q.clearEndpoint.run(from);
    }
    if (rotatedFrom) {
      q.suspend.run(rotatedFrom.id);
      q.dropOrigins.run(rotatedFrom.id);
      q.clearEndpoint.run(rotatedFrom.id);
    }
    if (!rows.player(player.id)) {
      q.insertPlayer.run({ ...player, name: player.name ?? null, endpoint: player.endpoint ?? null });
    } else {
      q.updateDetails.run(player.name ?? null, player.endpoint ?? null, player.id);
    }
    if (player.kind === "vendor") {
      q.dropOrigins.run(player.id);
      for (const origin of player.origins ?? []) q.addOrigin.run(origin, player.id);
    }
    return { playerId: player.id };
  };
}

/**
 * The HostStore contract for who holds which origin (player-rules.ts): an origin another vendor
 * holds is taken only when the host proved it now, the loser's endpoint on it goes with it, and a key
 * rotation suspends the old vendor and empties it. Called from `describeStoreContract`.
 */
import { expect, it } from "vitest";
import { player, result, write } from "./contract-fixtures";
import type { HostStore, PlayerRecord } from "./types";

let n = 0;
/** A vendor whose endpoint lies on its first origin, as the host's route requires. */
function shop(origins = [`https://claims-${++n}.test`, `https://claims-${++n}.test`]): PlayerRecord {
  return player("vendor", { origins, endpoint: `${origins[0]}/quickpay` });
}

const registerPlayer = (p: PlayerRecord, extra: { takeOrigins?: string[]; rotatedFrom?: string } = {}) =>
  write(p.id, { kind: "registerPlayer", player: p, ...extra });

export function describePlayerContract(fresh: () => Promise<HostStore>): void {
  it("moves an origin to the vendor that proved it now; the loser keeps the rest and loses its endpoint there", async () => {
    const store = await fresh();
    const before = shop();
    result(await store.apply([registerPlayer(before)]).then((o) => o[0]));
    const [sold, kept] = before.origins as [string, string];
    const after = shop([sold]);
    // Without the proof it is refused and changes nothing.
    const [refused] = await store.apply([registerPlayer(after)]);
    expect(refused).toMatchObject({ status: "refused", code: "conflict" });
    expect(await store.getPlayer(after.id)).toBeUndefined();

    result(await store.apply([registerPlayer(after, { takeOrigins: [sold] })]).then((o) => o[0]));
    expect(await store.findVendorByOrigin(sold)).toMatchObject({
      id: after.id,
      endpoint: `${sold}/quickpay`,
    });
    const loser = await store.getPlayer(before.id);
    expect(loser).toMatchObject({ status: "active", origins: [kept] });
    expect(loser?.endpoint).toBeUndefined();

    // Taking an origin whose loser's endpoint lies elsewhere leaves that endpoint alone.
    const elsewhere = `https://claims-${++n}.test`;
    const moved = { ...before, origins: [kept, elsewhere], endpoint: `${elsewhere}/quickpay` };
    result(await store.apply([registerPlayer(moved)]).then((o) => o[0]));
    result(await store.apply([registerPlayer(shop([kept]), { takeOrigins: [kept] })]).then((o) => o[0]));
    expect(await store.getPlayer(before.id)).toMatchObject({
      origins: [elsewhere],
      endpoint: `${elsewhere}/quickpay`,
    });
  });

  it("keeps one owner per origin when vendors take, keep and rotate the same origins at once", async () => {
    const store = await fresh();
    for (let round = 0; round < 5; round++) {
      const a = shop();
      result(await store.apply([registerPlayer(a)]).then((o) => o[0]));
      const [o1, o2] = a.origins as [string, string];
      const b = shop([o1]);
      const c = shop([o2, o1]);
      const d = shop([o2]);
      // Each in its own transaction, all at once (PostgreSQL runs them side by side).
      const outcomes = (
        await Promise.all([
          store.apply([registerPlayer(a)]),
          store.apply([registerPlayer(b, { takeOrigins: [o1] })]),
          store.apply([registerPlayer(c, { takeOrigins: [o2, o1] })]),
          store.apply([registerPlayer(d, { takeOrigins: [o2], rotatedFrom: a.id })]),
        ])
      ).flat();
      for (const o of outcomes) {
        expect(
          o.status === "applied" || (o.status === "refused" && o.code === "conflict"),
          JSON.stringify(o),
        ).toBe(true);
      }
      for (const origin of [o1, o2]) {
        const owner = await store.findVendorByOrigin(origin);
        const holders = [];
        for (const v of [a, b, c, d]) {
          if ((await store.getPlayer(v.id))?.origins?.includes(origin)) holders.push(v.id);
        }
        expect(holders.length).toBeLessThanOrEqual(1);
        expect(owner?.id).toBe(holders[0]);
      }
    }
  });

  it("rotates a vendor key: the new vendor takes the origins, the old is suspended with none and no endpoint", async () => {
    const store = await fresh();
    const old = shop();
    result(await store.apply([registerPlayer(old)]).then((o) => o[0]));
    const next = shop([old.origins![0]!]);
    const rotate = registerPlayer(next, { takeOrigins: next.origins!, rotatedFrom: old.id });
    expect(result(await store.apply([rotate]).then((o) => o[0]))).toEqual({ playerId: next.id });
    expect(await store.findVendorByOrigin(old.origins![0]!)).toMatchObject({ id: next.id, status: "active" });
    // Its other origin is released, not kept by a suspended vendor.
    expect(await store.findVendorByOrigin(old.origins![1]!)).toBeUndefined();
    const retired = await store.getPlayer(old.id);
    expect(retired).toMatchObject({ status: "suspended", origins: [] });
    expect(retired?.endpoint).toBeUndefined();
    // A repeat is the stored answer; the same rotation under a new id is accepted as it stands.
    expect(await store.apply([rotate])).toEqual([{ status: "repeat", result: { playerId: next.id } }]);
    result(await store.apply([registerPlayer(next, { rotatedFrom: old.id })]).then((o) => o[0]));
    expect((await store.getPlayer(old.id))?.status).toBe("suspended");
  });

  it("refuses a rotation from no vendor, from another kind of player, or to itself, changing nothing", async () => {
    const store = await fresh();
    const wallet = player("wallet");
    result(await store.apply([registerPlayer(wallet)]).then((o) => o[0]));
    const next = shop();
    const outcomes = await store.apply([
      registerPlayer(next, { rotatedFrom: shop().id }),
      registerPlayer(next, { rotatedFrom: wallet.id }),
      registerPlayer(next, { rotatedFrom: next.id }),
    ]);
    expect(outcomes.map((o) => (o.status === "refused" ? o.code : o.status))).toEqual([
      "unknown_player",
      "forbidden",
      "invalid_request",
    ]);
    expect(await store.getPlayer(next.id)).toBeUndefined();
    expect((await store.getPlayer(wallet.id))?.status).toBe("active");
  });
}

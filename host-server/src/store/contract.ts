/**
 * The contract every HostStore must pass (SQLite in `sqlite.test.ts`, PostgreSQL in `postgres/`):
 * call `describeStoreContract("sqlite", makeStore)` from a Vitest file. `makeStore` returns a fresh,
 * empty, migrated store; the suite closes every store it made.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  at,
  describeExactlyOnce,
  fakeDigest,
  fakeId,
  player,
  reg,
  result,
  seed,
  storeReceiver,
  usd,
  write,
} from "./contract-fixtures";
import { describePlayerContract } from "./contract-players";
import { describeRolesContract } from "./contract-roles";
import { describeSettleContract } from "./contract-settle";
import type { HostStore, MailInput } from "./types";

export { fakeDigest, fakeId, fakeKey, fakeMessageId } from "./contract-fixtures";

export function describeStoreContract(name: string, makeStore: () => Promise<HostStore>): void {
  describe(`HostStore contract: ${name}`, () => {
    const made: HostStore[] = [];
    const fresh = async () => {
      const store = await makeStore();
      made.push(store);
      return store;
    };
    afterAll(async () => {
      for (const store of made) await store.close();
    });

    it("runs its migrations and reports a schema version", async () => {
      const store = await fresh();
      expect(await store.schemaVersion()).toBeGreaterThanOrEqual(1);
    });

    it("registers players and finds them by id, kind and origin", async () => {
      const store = await fresh();
      const { vendor, wallet, broker } = await seed(store);
      expect(await store.getPlayer(wallet.id)).toEqual(wallet);
      expect(await store.getPlayer(vendor.id)).toEqual(vendor);
      expect(await store.getPlayer(broker.id)).toEqual(broker);
      expect(await store.getPlayer(fakeId("w"))).toBeUndefined();
      expect(await store.findVendorByOrigin(vendor.origins![0]!)).toEqual(vendor);
      expect(await store.findVendorByOrigin("http://nobody.test")).toBeUndefined();
      const vendors = await store.listPlayers({ kind: "vendor" });
      expect(vendors.map((p) => p.id)).toEqual([vendor.id]);
      const all = await store.listPlayers();
      expect(all.map((p) => p.id)).toEqual([broker.id, vendor.id, wallet.id].sort());
      const page = await store.listPlayers({ limit: 1, after: all[0]!.id });
      expect(page.map((p) => p.id)).toEqual([all[1]!.id]);
    });

    it("keeps a player's key and status on re-registration and updates a vendor's details", async () => {
      const store = await fresh();
      const { vendor } = await seed(store);
      await store.apply([
        write("operator", { kind: "setPlayerStatus", playerId: vendor.id, status: "suspended" }),
      ]);
      const moved = { ...vendor, endpoint: "http://127.0.0.1:10/qp", origins: ["http://moved.test"] };
      result(
        await store.apply([write(vendor.id, { kind: "registerPlayer", player: moved })]).then((o) => o[0]),
      );
      const now = await store.getPlayer(vendor.id);
      expect(now?.status).toBe("suspended");
      expect(now?.endpoint).toBe("http://127.0.0.1:10/qp");
      expect(await store.findVendorByOrigin("http://moved.test")).toMatchObject({ id: vendor.id });
      expect(await store.findVendorByOrigin(vendor.origins![0]!)).toBeUndefined();
    });

    it("refuses an origin that belongs to another vendor, changing nothing", async () => {
      const store = await fresh();
      const { vendor } = await seed(store);
      const thief = player("vendor", { origins: [vendor.origins![0]!] });
      const [o] = await store.apply([write(thief.id, { kind: "registerPlayer", player: thief })]);
      expect(o).toMatchObject({ status: "refused", code: "conflict" });
      expect(await store.getPlayer(thief.id)).toBeUndefined();
    });

    it("suspends and reactivates; refuses an unknown player", async () => {
      const store = await fresh();
      const { broker } = await seed(store);
      const [s] = await store.apply([
        write("operator", { kind: "setPlayerStatus", playerId: broker.id, status: "suspended" }),
      ]);
      expect(result(s)).toEqual({ playerId: broker.id, status: "suspended" });
      expect((await store.getPlayer(broker.id))?.status).toBe("suspended");
      const [u] = await store.apply([
        write("operator", { kind: "setPlayerStatus", playerId: fakeId("b"), status: "active" }),
      ]);
      expect(u).toMatchObject({ status: "refused", code: "unknown_player" });
    });

    it("is exactly-once on (from, messageId): repeat returns the stored result, other body conflicts", async () => {
      const store = await fresh();
      const ids = await seed(store);
      const digest = fakeDigest();
      const w = write(ids.wallet.id, { kind: "register", registrations: [reg("order", digest, ids)] });
      const [first] = await store.apply([w]);
      expect(first?.status).toBe("applied");
      const [again] = await store.apply([{ ...w, at: at(99_999) }]);
      expect(again).toEqual({ status: "repeat", result: result(first) });
      const [other] = await store.apply([{ ...w, fingerprint: "different" }]);
      expect(other?.status).toBe("conflict");
      expect((await store.getOrder(digest)).registrations).toHaveLength(1);
      // The same message id from another sender is a different message.
      const [otherSender] = await store.apply([{ ...w, from: fakeId("w") }]);
      expect(otherSender?.status).toBe("applied");
    });

    it("sees earlier writes of the same batch: a repeat inside one batch is a repeat", async () => {
      const store = await fresh();
      const ids = await seed(store);
      const digest = fakeDigest();
      const w = write(ids.vendor.id, { kind: "register", registrations: [reg("delivery", digest, ids)] });
      const outcomes = await store.apply([w, w, { ...w, fingerprint: "x" }]);
      expect(outcomes.map((o) => o.status)).toEqual(["applied", "repeat", "conflict"]);
      expect((await store.getOrder(digest)).registrations).toHaveLength(1);
    });

    it("applies concurrent duplicates exactly once", async () => {
      const store = await fresh();
      const ids = await seed(store);
      const digest = fakeDigest();
      const w = write(ids.vendor.id, { kind: "register", registrations: [reg("delivery", digest, ids)] });
      const outcomes = (await Promise.all(Array.from({ length: 8 }, () => store.apply([w])))).flat();
      expect(outcomes.filter((o) => o.status === "applied")).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === "repeat")).toHaveLength(7);
      expect((await store.getOrder(digest)).registrations).toHaveLength(1);
    });

    it("records three agreeing sides unflagged, in order, with the endorsement kept", async () => {
      const store = await fresh();
      const ids = await seed(store);
      const digest = fakeDigest();
      const outcomes = await store.apply([
        write(
          ids.broker.id,
          { kind: "register", registrations: [reg("commit", digest, ids)] },
          { at: at(1) },
        ),
        write(
          ids.vendor.id,
          { kind: "register", registrations: [reg("delivery", digest, ids)] },
          { at: at(2) },
        ),
        write(ids.wallet.id, { kind: "register", registrations: [reg("order", digest, ids)] }, { at: at(3) }),
      ]);
      expect(outcomes.map((o) => result<{ registered: unknown[] }>(o).registered)).toEqual([
        [{ orderDigest: digest, side: "commit", recordedAt: at(1), flagged: false }],
        [{ orderDigest: digest, side: "delivery", recordedAt: at(2), flagged: false }],
        [{ orderDigest: digest, side: "order", recordedAt: at(3), flagged: false }],
      ]);
      const order = await store.getOrder(digest);
      expect(order.registrations.map((r) => [r.side, r.from, r.flagged])).toEqual([
        ["commit", ids.broker.id, false],
        ["delivery", ids.vendor.id, false],
        ["order", ids.wallet.id, false],
      ]);
      expect(order.registrations[0]?.endorsement?.endorsement.orderDigest).toBe(digest);
      expect(order.registrations[1]?.amount).toEqual(usd(10_000));
      expect(order.revokes).toEqual([]);
      expect(order.settlements).toEqual([]);
      expect(await store.listOrderDigests()).toEqual([digest]);
    });

    it("stores disagreeing registrations side by side and flags them, never overwriting", async () => {
      const store = await fresh();
      const ids = await seed(store);
      const digest = fakeDigest();
      await store.apply([
        write(ids.vendor.id, { kind: "register", registrations: [reg("delivery", digest, ids)] }),
      ]);
      const [o] = await store.apply([
        write(ids.wallet.id, {
          kind: "register",
          registrations: [reg("order", digest, ids, { amount: usd(20_000) })],
        }),
      ]);
      expect(result<{ registered: { flagged: boolean }[] }>(o).registered[0]?.flagged).toBe(true);
      const [dup] = await store.apply([
        write(ids.vendor.id, {
          kind: "register",
          registrations: [reg("delivery", digest, ids, { commitId: "c_otherotherotherother" })],
        }),
      ]);
      expect(result<{ registered: { flagged: boolean }[] }>(dup).registered[0]?.flagged).toBe(true);
      const order = await store.getOrder(digest);
      expect(order.registrations.map((r) => [r.side, r.amount.micros, r.flagged])).toEqual([
        ["delivery", 10_000, false],
        ["order", 20_000, true],
        ["delivery", 10_000, true],
      ]);
    });

    it("records a batch of registrations under one message id", async () => {
      const store = await fresh();
      const ids = await seed(store);
      const digests = Array.from({ length: 50 }, () => fakeDigest());
      const [o] = await store.apply([
        write(ids.vendor.id, {
          kind: "register",
          registrations: digests.map((d) => reg("delivery", d, ids)),
        }),
      ]);
      const registered = result<{ registered: { orderDigest: string }[] }>(o).registered;
      expect(registered.map((r) => r.orderDigest)).toEqual(digests);
      for (const d of digests.slice(0, 3)) expect((await store.getOrder(d)).registrations).toHaveLength(1);
      expect(await store.listOrderDigests({ limit: 100 })).toEqual([...digests].sort());
    });

    it("revokes once, posting the alert to the vendor's mailbox in the same transaction", async () => {
      const store = await fresh();
      const ids = await seed(store);
      const digest = fakeDigest();
      const revoke = {
        orderDigest: digest,
        commitId: `c_${digest.slice(0, 20)}`,
        vendorId: ids.vendor.id,
        brokerId: ids.broker.id,
        amount: usd(10_000),
        reason: "customer asked",
      };
      const alert: MailInput = { to: { playerId: ids.vendor.id }, kind: "RevokeAlert", body: { digest } };
      await store.apply([
        write(ids.broker.id, { kind: "register", registrations: [reg("commit", digest, ids)] }),
      ]);
      const [o] = await store.apply([write(ids.broker.id, { kind: "revoke", revoke, alert }, { at: at(5) })]);
      expect(result(o)).toEqual({ orderDigest: digest, revokedAt: at(5) });
      const [again] = await store.apply([write(ids.broker.id, { kind: "revoke", revoke, alert })]);
      expect(again).toMatchObject({ status: "refused", code: "revoked" });
      expect((await store.getOrder(digest)).revokes).toEqual([
        { ...revoke, messageId: expect.any(String), revokedAt: at(5) },
      ]);
      const mail = await store.fetchMessages(ids.vendor.id, undefined, 10);
      expect(mail.map((m) => [m.kind, m.from, m.body])).toEqual([["RevokeAlert", ids.broker.id, { digest }]]);
    });

    it("posts and fetches messages by cursor, and to the wallet that registered an order", async () => {
      const store = await fresh();
      const ids = await seed(store);
      const digest = fakeDigest();
      const postTo = (to: MailInput["to"], n: number) =>
        write(ids.vendor.id, { kind: "post", mail: { to, kind: "Memo", body: { n } } });
      const [refused] = await store.apply([postTo({ walletOfOrder: digest }, 0)]);
      expect(refused).toMatchObject({ status: "refused", code: "not_registered" });
      const [unknown] = await store.apply([postTo({ playerId: fakeId("w") }, 0)]);
      expect(unknown).toMatchObject({ status: "refused", code: "unknown_player" });
      await store.apply([
        write(ids.wallet.id, { kind: "register", registrations: [reg("order", digest, ids)] }),
      ]);
      const outcomes = await store.apply([
        postTo({ playerId: ids.wallet.id }, 1),
        postTo({ walletOfOrder: digest }, 2),
        postTo({ playerId: ids.wallet.id }, 3),
      ]);
      for (const o of outcomes) expect(Object.keys(result<object>(o))).toEqual(["postedAt"]);
      const firstTwo = await store.fetchMessages(ids.wallet.id, undefined, 2);
      expect(firstTwo.map((m) => m.body)).toEqual([{ n: 1 }, { n: 2 }]);
      expect(firstTwo[0]).toMatchObject({ to: ids.wallet.id, from: ids.vendor.id, kind: "Memo" });
      const rest = await store.fetchMessages(ids.wallet.id, firstTwo[1]!.cursor, 10);
      expect(rest.map((m) => m.body)).toEqual([{ n: 3 }]);
      expect(await store.fetchMessages(ids.wallet.id, rest[0]!.cursor, 10)).toEqual([]);
      expect(await store.fetchMessages(ids.vendor.id, undefined, 10)).toEqual([]);
    });

    describeSettleContract(fresh);
    describePlayerContract(fresh);
    describeRolesContract(fresh);

    // The same cases the broker kit's routes and the vendor SDK's endpoints run over HTTP.
    describeExactlyOnce(name, () => storeReceiver(fresh));

    it("keeps meta insert-if-absent and counts rows", async () => {
      const store = await fresh();
      expect(await store.getMeta("host-key")).toBeUndefined();
      expect(await store.initMeta("host-key", "first")).toBe("first");
      expect(await store.initMeta("host-key", "second")).toBe("first");
      expect(await store.getMeta("host-key")).toBe("first");
      await seed(store);
      const counts = await store.counts();
      expect(counts).toMatchObject({ wallets: 1, vendors: 1, brokers: 1, registrations: 0, messages: 0 });
    });
  });
}

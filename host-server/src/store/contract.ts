/**
 * The contract every HostStore must pass (SQLite in `sqlite.test.ts`, PostgreSQL in `postgres/`):
 * call `describeStoreContract("sqlite", makeStore)` from a Vitest file. `makeStore` returns a fresh,
 * empty, migrated store; the suite closes every store it made.
 */
import { afterAll, describe, expect, it } from "vitest";
import type {
  Effect,
  HostStore,
  MailInput,
  Outcome,
  PlayerRecord,
  RegistrationInput,
  SettleItem,
  Write,
} from "./types";

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
let counter = 0;
const next = () => ++counter;
export const fakeId = (prefix: "w" | "v" | "b", n = next()) => `${prefix}_${hex(n, 32)}`;
export const fakeDigest = (n = next()) => hex(n, 64);
export const fakeKey = (n = next()) => `K${hex(n, 42)}`;
export const fakeMessageId = (n = next()) => `msg-${hex(n, 20)}`;
const usd = (micros: number) => ({ currency: "USD", micros });
const T0 = "2026-01-01T00:00:00.000Z";
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

function write<E extends Effect>(from: string, effect: E, options: Partial<Write> = {}): Write<E> {
  return {
    from,
    messageId: options.messageId ?? fakeMessageId(),
    fingerprint: options.fingerprint ?? `fp-${next()}`,
    at: options.at ?? at(next()),
    effect,
  };
}

function player(kind: PlayerRecord["kind"], extra: Partial<PlayerRecord> = {}): PlayerRecord {
  const prefix = kind === "wallet" ? "w" : kind === "vendor" ? "v" : "b";
  return {
    id: fakeId(prefix as "w" | "v" | "b"),
    kind,
    publicKey: fakeKey(),
    status: "active",
    registeredAt: T0,
    ...(kind === "vendor"
      ? { name: "Shop", endpoint: "http://127.0.0.1:9/qp", origins: [`http://shop${next()}.test`] }
      : {}),
    ...(kind === "broker" ? { name: "Bank", endpoint: "http://127.0.0.1:9/bank" } : {}),
    ...extra,
  };
}

function result<R>(outcome: Outcome | undefined): R {
  if (outcome?.status !== "applied" && outcome?.status !== "repeat") {
    throw new Error(`expected applied/repeat, got ${JSON.stringify(outcome)}`);
  }
  return outcome.result as R;
}

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

    async function seed(store: HostStore) {
      const broker = player("broker");
      const vendor = player("vendor");
      const wallet = player("wallet");
      const outcomes = await store.apply(
        [broker, vendor, wallet].map((p) => write(p.id, { kind: "registerPlayer", player: p })),
      );
      expect(outcomes.map((o) => o.status)).toEqual(["applied", "applied", "applied"]);
      return { broker, vendor, wallet };
    }

    function reg(
      side: RegistrationInput["side"],
      digest: string,
      ids: { vendor: PlayerRecord; broker: PlayerRecord },
      extra: Partial<RegistrationInput> = {},
    ): RegistrationInput {
      const base: RegistrationInput = {
        side,
        orderDigest: digest,
        commitId: `c_${digest.slice(0, 20)}`,
        vendorId: ids.vendor.id,
        amount: usd(10_000),
        ...extra,
      };
      if (side === "commit" && !base.endorsement) {
        base.endorsement = {
          endorsement: {
            commitId: base.commitId,
            orderDigest: digest,
            vendorId: base.vendorId,
            amount: { currency: "USD", value: "0.01" },
            brokerId: ids.broker.id,
            expiresAt: at(3600),
          },
          sig: "s".repeat(86),
        };
      }
      return base;
    }

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
      expect(order.revoke).toBeNull();
      expect(order.settlement).toBeNull();
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
      const [o] = await store.apply([write(ids.broker.id, { kind: "revoke", revoke, alert }, { at: at(5) })]);
      expect(result(o)).toEqual({ orderDigest: digest, revokedAt: at(5) });
      const [again] = await store.apply([write(ids.broker.id, { kind: "revoke", revoke, alert })]);
      expect(again).toMatchObject({ status: "refused", code: "revoked" });
      expect((await store.getOrder(digest)).revoke).toMatchObject({ ...revoke, revokedAt: at(5) });
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

    describe("settle", () => {
      async function registered(store: HostStore, sides: RegistrationInput["side"][]) {
        const ids = await seed(store);
        const digest = fakeDigest();
        for (const side of sides) {
          const from = side === "commit" ? ids.broker : side === "delivery" ? ids.vendor : ids.wallet;
          await store.apply([write(from.id, { kind: "register", registrations: [reg(side, digest, ids)] })]);
        }
        return { ...ids, digest };
      }
      const approvalFor = (digest: string, broker: PlayerRecord): SettleItem["approval"] => ({
        commitId: `c_${digest.slice(0, 20)}`,
        brokerId: broker.id,
        amount: usd(10_000),
        document: { approved: digest },
      });

      it("approves a majority once, records the settlement and posts the approval to the broker", async () => {
        const store = await fresh();
        const { vendor, broker, digest } = await registered(store, ["commit", "delivery"]);
        const settle = (messageId?: string) =>
          write(
            vendor.id,
            {
              kind: "settle",
              vendorId: vendor.id,
              items: [{ orderDigest: digest, approval: approvalFor(digest, broker) }],
            },
            { at: at(7), ...(messageId ? { messageId, fingerprint: "same" } : {}) },
          );
        const first = settle("settle-message-0001");
        const [o] = await store.apply([first]);
        expect(result(o)).toEqual({
          results: [{ orderDigest: digest, status: "approved", approval: { approved: digest } }],
        });
        expect((await store.apply([first]))[0]?.status).toBe("repeat");
        const [second] = await store.apply([settle()]);
        expect(result(second)).toEqual({
          results: [
            { orderDigest: digest, status: "rejected", code: "already_settled", reason: expect.any(String) },
          ],
        });
        expect((await store.getOrder(digest)).settlement).toMatchObject({
          orderDigest: digest,
          vendorId: vendor.id,
          brokerId: broker.id,
          path: "host",
          settledAt: at(7),
          amount: usd(10_000),
        });
        const mail = await store.fetchMessages(broker.id, undefined, 10);
        expect(mail.map((m) => [m.kind, m.body])).toEqual([["SettlementApproval", { approved: digest }]]);
        expect((await store.listSettlements()).map((s) => s.orderDigest)).toEqual([digest]);
        expect(await store.listSettlements({ since: at(8) })).toEqual([]);
      });

      it("rejects without a majority, when revoked, and for another vendor", async () => {
        const store = await fresh();
        const one = await registered(store, ["commit"]);
        const [o1] = await store.apply([
          write(one.vendor.id, {
            kind: "settle",
            vendorId: one.vendor.id,
            items: [{ orderDigest: one.digest, approval: approvalFor(one.digest, one.broker) }],
          }),
        ]);
        expect(result(o1)).toMatchObject({ results: [{ status: "rejected", code: "mismatch" }] });

        const two = await registered(store, ["commit", "order"]);
        const other = player("vendor");
        await store.apply([write(other.id, { kind: "registerPlayer", player: other })]);
        const [o2] = await store.apply([
          write(other.id, {
            kind: "settle",
            vendorId: other.id,
            items: [{ orderDigest: two.digest, approval: approvalFor(two.digest, two.broker) }],
          }),
        ]);
        expect(result(o2)).toMatchObject({ results: [{ status: "rejected", code: "forbidden" }] });

        await store.apply([
          write(two.broker.id, {
            kind: "revoke",
            revoke: {
              orderDigest: two.digest,
              commitId: `c_${two.digest.slice(0, 20)}`,
              vendorId: two.vendor.id,
              brokerId: two.broker.id,
              amount: usd(10_000),
            },
            alert: { to: { playerId: two.vendor.id }, kind: "RevokeAlert", body: {} },
          }),
        ]);
        const [o3] = await store.apply([
          write(two.vendor.id, {
            kind: "settle",
            vendorId: two.vendor.id,
            items: [{ orderDigest: two.digest, approval: approvalFor(two.digest, two.broker) }],
          }),
        ]);
        expect(result(o3)).toMatchObject({ results: [{ status: "rejected", code: "revoked" }] });
        expect(await store.listSettlements()).toEqual([]);
        expect(await store.fetchMessages(two.broker.id, undefined, 10)).toEqual([]);
      });

      it("rejects an approval prepared with facts the transaction no longer supports", async () => {
        const store = await fresh();
        const { vendor, broker, digest } = await registered(store, ["commit", "delivery", "order"]);
        const stale = { ...approvalFor(digest, broker)!, amount: usd(1) };
        const [o] = await store.apply([
          write(vendor.id, {
            kind: "settle",
            vendorId: vendor.id,
            items: [{ orderDigest: digest, approval: stale }],
          }),
        ]);
        expect(result(o)).toMatchObject({ results: [{ status: "rejected", code: "mismatch" }] });
        expect((await store.getOrder(digest)).settlement).toBeNull();
      });

      it("settles each order at most once under concurrent requests", async () => {
        const store = await fresh();
        const { vendor, broker, digest } = await registered(store, ["commit", "delivery", "order"]);
        const outcomes = await Promise.all(
          Array.from({ length: 6 }, () =>
            store.apply([
              write(vendor.id, {
                kind: "settle",
                vendorId: vendor.id,
                items: [{ orderDigest: digest, approval: approvalFor(digest, broker) }],
              }),
            ]),
          ),
        );
        const statuses = outcomes.map(
          (o) => result<{ results: { status: string }[] }>(o[0]).results[0]?.status,
        );
        expect(statuses.filter((s) => s === "approved")).toHaveLength(1);
        expect(await store.fetchMessages(broker.id, undefined, 10)).toHaveLength(1);
      });
    });

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

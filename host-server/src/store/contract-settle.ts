/** The settle part of the HostStore contract: majority vote, at most once, approvals posted. */
import { describe, expect, it } from "vitest";
import { at, fakeDigest, player, reg, result, seed, usd, write } from "./contract-fixtures";
import type { HostStore, PlayerRecord, RegistrationInput, SettleItem } from "./types";

export function describeSettleContract(fresh: () => Promise<HostStore>): void {
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
      expect((await store.getOrder(digest)).settlements).toMatchObject([
        {
          orderDigest: digest,
          vendorId: vendor.id,
          brokerId: broker.id,
          path: "host",
          settledAt: at(7),
          amount: usd(10_000),
        },
      ]);
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
      expect((await store.getOrder(digest)).settlements).toEqual([]);
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

    const registerSettlement = (
      ids: { broker: PlayerRecord; vendor: PlayerRecord },
      orderDigests: string[],
      options: Partial<Parameters<typeof write>[2]> = {},
    ) =>
      write(
        ids.broker.id,
        {
          kind: "registerSettlement",
          brokerId: ids.broker.id,
          vendorId: ids.vendor.id,
          statementId: `s_statement${orderDigests.length}xxxxxxxx`,
          orderDigests,
        },
        { at: at(9), ...options },
      );

    it("records a broker's settlement; Settle With Host then refuses the order as already_settled", async () => {
      const store = await fresh();
      const ids = await registered(store, ["commit", "delivery"]);
      const first = registerSettlement(ids, [ids.digest], {
        messageId: "register-settlement-1",
        fingerprint: "fp",
      });
      const [o] = await store.apply([first]);
      expect(result(o)).toEqual({
        statementId: "s_statement1xxxxxxxx",
        recorded: [ids.digest],
        alreadySettled: [],
        rejected: [],
      });
      expect((await store.apply([first]))[0]?.status).toBe("repeat");
      // A later statement of the same broker naming it again is a harmless repeat, not a second settlement.
      expect(
        result(await store.apply([registerSettlement(ids, [ids.digest])]).then((r) => r[0])),
      ).toMatchObject({
        recorded: [ids.digest],
      });
      expect((await store.getOrder(ids.digest)).settlements).toMatchObject([
        {
          orderDigest: ids.digest,
          vendorId: ids.vendor.id,
          brokerId: ids.broker.id,
          commitId: `c_${ids.digest.slice(0, 20)}`,
          amount: usd(10_000),
          path: "broker",
          settledAt: at(9),
        },
      ]);
      const [settle] = await store.apply([
        write(ids.vendor.id, {
          kind: "settle",
          vendorId: ids.vendor.id,
          items: [{ orderDigest: ids.digest, approval: approvalFor(ids.digest, ids.broker) }],
        }),
      ]);
      expect(result(settle)).toMatchObject({ results: [{ status: "rejected", code: "already_settled" }] });
      expect(await store.fetchMessages(ids.broker.id, undefined, 10)).toEqual([]);
    });

    it("reports an order the host approved as alreadySettled, and rejects others' commitments", async () => {
      const store = await fresh();
      const ids = await registered(store, ["commit", "delivery"]);
      await store.apply([
        write(ids.vendor.id, {
          kind: "settle",
          vendorId: ids.vendor.id,
          items: [{ orderDigest: ids.digest, approval: approvalFor(ids.digest, ids.broker) }],
        }),
      ]);
      const unregistered = fakeDigest();
      const otherBroker = player("broker");
      await store.apply([write(otherBroker.id, { kind: "registerPlayer", player: otherBroker })]);
      const theirs = await registered(store, ["commit"]);
      const [o] = await store.apply([registerSettlement(ids, [ids.digest, unregistered])]);
      expect(result(o)).toMatchObject({
        recorded: [],
        alreadySettled: [ids.digest],
        rejected: [{ orderDigest: unregistered, code: "not_registered" }],
      });
      expect((await store.getOrder(ids.digest)).settlements).toMatchObject([{ path: "host" }]);
      const [o2, o3] = await store.apply([
        registerSettlement({ broker: otherBroker, vendor: theirs.vendor }, [theirs.digest]),
        registerSettlement({ broker: theirs.broker, vendor: ids.vendor }, [theirs.digest]),
      ]);
      expect(result(o2)).toMatchObject({ recorded: [], rejected: [{ code: "not_registered" }] });
      expect(result(o3)).toMatchObject({ recorded: [], rejected: [{ code: "mismatch" }] });
      expect((await store.getOrder(theirs.digest)).settlements).toEqual([]);
    });

    it("settles an order once when Register Settlement and Settle With Host race", async () => {
      const store = await fresh();
      const ids = await registered(store, ["commit", "delivery", "order"]);
      const outcomes = await Promise.all([
        store.apply([registerSettlement(ids, [ids.digest])]),
        store.apply([
          write(ids.vendor.id, {
            kind: "settle",
            vendorId: ids.vendor.id,
            items: [{ orderDigest: ids.digest, approval: approvalFor(ids.digest, ids.broker) }],
          }),
        ]),
      ]);
      const byBroker = result<{ recorded: string[] }>(outcomes[0][0]).recorded.length;
      const byHost = result<{ results: { status: string }[] }>(outcomes[1][0]).results.filter(
        (r) => r.status === "approved",
      ).length;
      expect(byBroker + byHost).toBe(1);
      expect(await store.listSettlements()).toHaveLength(1);
    });
  });
}

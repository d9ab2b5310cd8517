/**
 * The roles part of the HostStore contract: each fact of the vote counts only from the party
 * entitled to it — the order side from the wallet that opens the endorsement's payer tag, commit,
 * revoke and settlement facts from the endorsing broker — and a suspended broker's endorsements
 * are refused inside the transaction.
 */
import { type Endorsement, newPayerSalt, payerTag } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { fakeDigest, player, reg, result, seed, usd, write } from "./contract-fixtures";
import type { HostStore, PlayerRecord, RegistrationInput, SettleItem, SettleItemResult } from "./types";

type Ids = Awaited<ReturnType<typeof seed>>;

export function describeRolesContract(fresh: () => Promise<HostStore>): void {
  describe("roles", () => {
    /** A broker's signed endorsement of `digest` (the store never checks the signature). */
    const endorsement = (
      digest: string,
      ids: Ids,
      extra: Partial<Endorsement> = {},
    ): NonNullable<RegistrationInput["endorsement"]> => ({
      endorsement: { ...reg("commit", digest, ids).endorsement!.endorsement, ...extra },
      sig: "s".repeat(86),
    });

    const register = (store: HostStore, from: PlayerRecord, r: RegistrationInput) =>
      store.apply([write(from.id, { kind: "register", registrations: [r] })]);

    async function addPlayer(store: HostStore, kind: PlayerRecord["kind"]) {
      const p = player(kind);
      await store.apply([write(p.id, { kind: "registerPlayer", player: p })]);
      return p;
    }

    async function settle(
      store: HostStore,
      ids: Ids,
      digest: string,
      presented?: NonNullable<RegistrationInput["endorsement"]>,
      broker: PlayerRecord = ids.broker,
    ): Promise<SettleItemResult> {
      const e = presented?.endorsement;
      const item: SettleItem = {
        orderDigest: digest,
        approval: {
          commitId: e?.commitId ?? `c_${digest.slice(0, 20)}`,
          brokerId: broker.id,
          amount: usd(10_000),
          document: { approved: digest, by: broker.id },
        },
        ...(presented ? { presentedEndorsement: presented } : {}),
      };
      const [o] = await store.apply([
        write(ids.vendor.id, { kind: "settle", vendorId: ids.vendor.id, items: [item] }),
      ]);
      return result<{ results: SettleItemResult[] }>(o).results[0]!;
    }

    it("counts the order side only from the wallet that opens the endorsement's payer tag", async () => {
      const store = await fresh();
      const ids = await seed(store);
      const vendorsWallet = await addPlayer(store, "wallet");
      const salt = newPayerSalt();
      const digest = fakeDigest();
      const tagged = endorsement(digest, ids, { payerTag: payerTag(ids.wallet.id, salt) });
      await register(store, ids.vendor, reg("delivery", digest, ids));
      // The vendor's own wallet, even with the shopper's salt; the shopper's wallet with another salt or none.
      await register(store, vendorsWallet, reg("order", digest, ids, { payerSalt: salt }));
      await register(store, ids.wallet, reg("order", digest, ids, { payerSalt: newPayerSalt() }));
      await register(store, ids.wallet, reg("order", digest, ids));
      expect(await settle(store, ids, digest, tagged)).toMatchObject({
        status: "rejected",
        code: "mismatch",
      });
      expect((await store.getOrder(digest)).registrations.map((r) => r.payerSalt)).toEqual([
        undefined,
        salt,
        expect.any(String),
        undefined,
      ]);

      await register(store, ids.wallet, reg("order", digest, ids, { payerSalt: salt }));
      expect(await settle(store, ids, digest, tagged)).toMatchObject({ status: "approved" });

      // An endorsement without a tag (signed before brokers tagged them): the wallet's side never counts.
      const old = fakeDigest();
      await register(store, ids.vendor, reg("delivery", old, ids));
      await register(store, ids.wallet, reg("order", old, ids, { payerSalt: salt }));
      expect(await settle(store, ids, old, endorsement(old, ids))).toMatchObject({
        status: "rejected",
        code: "mismatch",
      });
    });

    it("votes on the presented endorsement; another broker's earlier commit neither fixes nor counts", async () => {
      const store = await fresh();
      const ids = await seed(store);
      const rogue = await addPlayer(store, "broker");
      const digest = fakeDigest();
      const honest = endorsement(digest, ids);
      const theirs = endorsement(digest, ids, {
        brokerId: rogue.id,
        commitId: `c_rogue${digest.slice(0, 20)}`,
      });
      await register(
        store,
        rogue,
        reg("commit", digest, ids, { commitId: theirs.endorsement.commitId, endorsement: theirs }),
      );
      await register(store, ids.broker, reg("commit", digest, ids, { endorsement: honest }));
      // Two brokers registered commitments, each with its commit side alone: neither is the order's.
      expect(await settle(store, ids, digest)).toMatchObject({ status: "rejected", code: "mismatch" });
      await register(store, ids.vendor, reg("delivery", digest, ids));
      // The rogue's own endorsement has its commit side only: the vendor delivered the honest commitment.
      expect(await settle(store, ids, digest, theirs, rogue)).toMatchObject({
        status: "rejected",
        code: "mismatch",
      });
      // Presented or not, the vote is on the honest endorsement: the only one with a majority.
      expect(await settle(store, ids, digest)).toMatchObject({ status: "approved" });
      expect(await settle(store, ids, digest, honest)).toMatchObject({
        status: "rejected",
        code: "already_settled",
      });
      expect((await store.fetchMessages(ids.broker.id, undefined, 10)).map((m) => m.kind)).toEqual([
        "SettlementApproval",
      ]);
      expect(await store.fetchMessages(rogue.id, undefined, 10)).toEqual([]);
    });

    it("keeps revokes and settlements per broker: another broker's decide nothing for the endorsing one", async () => {
      const store = await fresh();
      const ids = await seed(store);
      const rogue = await addPlayer(store, "broker");
      const digest = fakeDigest();
      const commitId = `c_rogue${digest.slice(0, 20)}`;
      const theirs = endorsement(digest, ids, { brokerId: rogue.id, commitId });
      await register(store, rogue, reg("commit", digest, ids, { commitId, endorsement: theirs }));
      const revoke = (broker: PlayerRecord, c: string) =>
        write(broker.id, {
          kind: "revoke",
          revoke: {
            orderDigest: digest,
            commitId: c,
            vendorId: ids.vendor.id,
            brokerId: broker.id,
            amount: usd(10_000),
          },
          alert: { to: { playerId: ids.vendor.id }, kind: "RevokeAlert", body: { digest } },
        });
      const registerSettlement = (broker: PlayerRecord) =>
        write(broker.id, {
          kind: "registerSettlement",
          brokerId: broker.id,
          vendorId: ids.vendor.id,
          statementId: "s_statementxxxxxxxxxx",
          orderDigests: [digest],
        });
      expect((await store.apply([revoke(rogue, commitId)]))[0]?.status).toBe("applied");
      expect(result(await store.apply([registerSettlement(rogue)]).then((o) => o[0]))).toMatchObject({
        rejected: [{ code: "revoked" }],
      });

      const honest = endorsement(digest, ids);
      await register(store, ids.broker, reg("commit", digest, ids, { endorsement: honest }));
      await register(store, ids.vendor, reg("delivery", digest, ids));
      expect(await settle(store, ids, digest, honest)).toMatchObject({ status: "approved" });
      expect(result(await store.apply([registerSettlement(ids.broker)]).then((o) => o[0]))).toMatchObject({
        alreadySettled: [digest],
      });
      // The endorsing broker's own revoke is its own record, not refused because the rogue revoked first.
      expect((await store.apply([revoke(ids.broker, honest.endorsement.commitId)]))[0]?.status).toBe(
        "applied",
      );
      const order = await store.getOrder(digest);
      expect(order.revokes.map((r) => r.brokerId)).toEqual([rogue.id, ids.broker.id]);
      expect(order.settlements.map((s) => [s.brokerId, s.path])).toEqual([[ids.broker.id, "host"]]);
      expect(await settle(store, ids, digest, honest)).toMatchObject({
        status: "rejected",
        code: "already_settled",
      });

      // A rogue's broker-path settlement of its own commitment does not settle the endorsing broker's.
      const second = fakeDigest();
      const c2 = `c_rogue${second.slice(0, 20)}`;
      await register(
        store,
        rogue,
        reg("commit", second, ids, {
          commitId: c2,
          endorsement: endorsement(second, ids, { brokerId: rogue.id, commitId: c2 }),
        }),
      );
      const [rs] = await store.apply([
        write(rogue.id, {
          kind: "registerSettlement",
          brokerId: rogue.id,
          vendorId: ids.vendor.id,
          statementId: "s_statementyyyyyyyyyy",
          orderDigests: [second],
        }),
      ]);
      expect(result(rs)).toMatchObject({ recorded: [second] });
      const honest2 = endorsement(second, ids);
      await register(store, ids.vendor, reg("delivery", second, ids));
      await register(store, ids.broker, reg("commit", second, ids, { endorsement: honest2 }));
      expect(await settle(store, ids, second, honest2)).toMatchObject({ status: "approved" });
      expect((await store.getOrder(second)).settlements.map((s) => [s.brokerId, s.path]).sort()).toEqual(
        [
          [ids.broker.id, "host"],
          [rogue.id, "broker"],
        ].sort(),
      );
    });

    it("records a revoke sent before the commit side; only the endorsing broker's counts", async () => {
      const store = await fresh();
      const ids = await seed(store);
      const rogue = await addPlayer(store, "broker");
      const revoke = (
        broker: PlayerRecord,
        digest: string,
        extra: { commitId?: string; amount?: ReturnType<typeof usd> } = {},
      ) =>
        write(broker.id, {
          kind: "revoke",
          revoke: {
            orderDigest: digest,
            commitId: extra.commitId ?? `c_${digest.slice(0, 20)}`,
            vendorId: ids.vendor.id,
            brokerId: broker.id,
            amount: extra.amount ?? usd(10_000),
          },
          alert: { to: { playerId: ids.vendor.id }, kind: "RevokeAlert", body: { digest } },
        });

      // A rogue broker revokes the order before its broker's commit side is registered: recorded as
      // the rogue's (the vendor is alerted), and the honest three-way agreement still settles.
      const digest = fakeDigest();
      expect((await store.apply([revoke(rogue, digest)]))[0]?.status).toBe("applied");
      await register(store, ids.broker, reg("commit", digest, ids));
      await register(store, ids.vendor, reg("delivery", digest, ids));
      await register(store, ids.wallet, reg("order", digest, ids));
      expect(await settle(store, ids, digest)).toMatchObject({ status: "approved" });
      expect((await store.getOrder(digest)).revokes.map((r) => r.brokerId)).toEqual([rogue.id]);
      expect((await store.fetchMessages(ids.vendor.id, undefined, 10)).map((m) => m.from)).toEqual([
        rogue.id,
      ]);

      // The endorsing broker's own early revoke counts once its commitment is the vote's.
      const early = fakeDigest();
      expect((await store.apply([revoke(ids.broker, early)]))[0]?.status).toBe("applied");
      await register(store, ids.broker, reg("commit", early, ids));
      await register(store, ids.vendor, reg("delivery", early, ids));
      expect(await settle(store, ids, early)).toMatchObject({ status: "rejected", code: "revoked" });
      // …but only for the commitment it names: a revoke of another commitment id does not count.
      const other = fakeDigest();
      const [stray] = await store.apply([revoke(ids.broker, other, { commitId: "c_neverendorsedxxxxxxx" })]);
      expect(stray?.status).toBe("applied");
      await register(store, ids.broker, reg("commit", other, ids));
      await register(store, ids.vendor, reg("delivery", other, ids));
      expect(await settle(store, ids, other)).toMatchObject({ status: "approved" });
    });

    it("refuses a revoke that disagrees with the broker's registered commitment, changing nothing", async () => {
      const store = await fresh();
      const ids = await seed(store);
      const digest = fakeDigest();
      const revoke = (extra: { commitId?: string; amount?: ReturnType<typeof usd> } = {}) =>
        write(ids.broker.id, {
          kind: "revoke",
          revoke: {
            orderDigest: digest,
            commitId: extra.commitId ?? `c_${digest.slice(0, 20)}`,
            vendorId: ids.vendor.id,
            brokerId: ids.broker.id,
            amount: extra.amount ?? usd(10_000),
          },
          alert: { to: { playerId: ids.vendor.id }, kind: "RevokeAlert", body: {} },
        });
      await register(store, ids.broker, reg("commit", digest, ids));
      expect((await store.apply([revoke({ amount: usd(1) })]))[0]).toMatchObject({
        status: "refused",
        code: "mismatch",
      });
      expect((await store.apply([revoke({ commitId: "c_anothercommitmentxx" })]))[0]).toMatchObject({
        status: "refused",
        code: "mismatch",
      });
      expect((await store.getOrder(digest)).revokes).toEqual([]);
      expect(await store.fetchMessages(ids.vendor.id, undefined, 10)).toEqual([]);
      expect((await store.apply([revoke()]))[0]?.status).toBe("applied");
      expect((await store.apply([revoke()]))[0]).toMatchObject({ status: "refused", code: "revoked" });
    });

    it("refuses a suspended broker's endorsements in the transaction, until it is reactivated", async () => {
      const store = await fresh();
      const ids = await seed(store);
      const digest = fakeDigest();
      await register(store, ids.broker, reg("commit", digest, ids));
      await register(store, ids.vendor, reg("delivery", digest, ids));
      const status = (s: "active" | "suspended") =>
        store.apply([write("operator", { kind: "setPlayerStatus", playerId: ids.broker.id, status: s })]);
      await status("suspended");
      expect(await settle(store, ids, digest)).toMatchObject({ status: "rejected", code: "suspended" });
      expect(await settle(store, ids, digest, endorsement(digest, ids))).toMatchObject({
        status: "rejected",
        code: "suspended",
      });
      expect((await store.getOrder(digest)).settlements).toEqual([]);
      expect(await store.fetchMessages(ids.broker.id, undefined, 10)).toEqual([]);
      await status("active");
      expect(await settle(store, ids, digest)).toMatchObject({ status: "approved" });
    });

    it("posts to the wallet of an order: the one that opens the registered endorsement's tag", async () => {
      const store = await fresh();
      const ids = await seed(store);
      const vendorsWallet = await addPlayer(store, "wallet");
      const salt = newPayerSalt();
      const digest = fakeDigest();
      const memo = (n: number) =>
        write(ids.vendor.id, {
          kind: "post",
          mail: { to: { walletOfOrder: digest }, kind: "Memo", body: { n } },
        });
      await register(store, vendorsWallet, reg("order", digest, ids, { payerSalt: newPayerSalt() }));
      // No tagged commitment yet: the first wallet that registered the order side.
      expect((await store.apply([memo(1)]))[0]?.status).toBe("applied");
      await register(
        store,
        ids.broker,
        reg("commit", digest, ids, {
          endorsement: endorsement(digest, ids, { payerTag: payerTag(ids.wallet.id, salt) }),
        }),
      );
      expect((await store.apply([memo(2)]))[0]).toMatchObject({ status: "refused", code: "not_registered" });
      await register(store, ids.wallet, reg("order", digest, ids, { payerSalt: salt, amount: usd(10_000) }));
      expect((await store.apply([memo(3)]))[0]?.status).toBe("applied");
      // A refund notice names the revoking broker: only its own registered endorsement names the wallet.
      const rogue = await addPlayer(store, "broker");
      const refund = (broker: PlayerRecord, n: number) =>
        write(broker.id, {
          kind: "post",
          mail: { to: { walletOfOrder: digest, endorsedBy: broker.id }, kind: "RefundNotice", body: { n } },
        });
      expect((await store.apply([refund(rogue, 4)]))[0]).toMatchObject({
        status: "refused",
        code: "not_registered",
      });
      expect((await store.apply([refund(ids.broker, 5)]))[0]?.status).toBe("applied");
      expect((await store.fetchMessages(ids.wallet.id, undefined, 10)).map((m) => m.body)).toEqual([
        { n: 3 },
        { n: 5 },
      ]);
      expect((await store.fetchMessages(vendorsWallet.id, undefined, 10)).map((m) => m.body)).toEqual([
        { n: 1 },
      ]);
    });
  });
}

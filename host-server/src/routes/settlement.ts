/**
 * §4.2.2 Settle With Host: for orders the broker refused or did not answer, the host approves by
 * majority vote over the endorsement the vendor presents (verified here against the directory key of
 * the broker it names) or, without one, the one its broker registered (rules.ts). Approvals are
 * prepared (and signed with the host key) from a read, then the store re-checks each inside the
 * transaction — including that the endorsing broker is still active — records the settlement and
 * posts the approval to the broker's mailbox, so each order is settled at most once per broker,
 * even with several host processes.
 */
import {
  assertEndorsementSignature,
  formatMoney,
  type HostApproval,
  parseMoney,
  QuickPayError,
  type SettleResult,
  type SignedEndorsement,
  type SignedHostApproval,
  signObject,
} from "@quickpay/protocol";
import { authenticate, fingerprintOf } from "../auth";
import type { HostContext } from "../context";
import { decideSettlement, voteEndorsement } from "../store/rules";
import type { SettleItem } from "../store/types";
import { commit, envelopeRoute, type HostApp } from "./define";

async function checkPresented(ctx: HostContext, signed: SignedEndorsement): Promise<string | undefined> {
  const broker = await ctx.store.getPlayer(signed.endorsement.brokerId);
  if (broker?.kind !== "broker") return `broker ${signed.endorsement.brokerId} is not in the directory`;
  try {
    await assertEndorsementSignature(signed, broker.publicKey);
    return undefined;
  } catch (error) {
    return (error as QuickPayError).message;
  }
}

/**
 * Predicts one order's outcome from a read: a rejection for a forged presented endorsement, else a
 * store item carrying a signed approval when the majority vote passes now (the store re-checks).
 */
async function prepare(
  ctx: HostContext,
  vendorId: string,
  o: { orderDigest: string; endorsement?: SignedEndorsement },
  at: string,
): Promise<SettleItem | SettleResult> {
  if (o.endorsement) {
    const problem = await checkPresented(ctx, o.endorsement);
    if (problem)
      return { orderDigest: o.orderDigest, status: "rejected", code: "bad_signature", reason: problem };
  }
  const known = await ctx.store.getOrder(o.orderDigest);
  const presented = o.endorsement?.endorsement;
  const choice = voteEndorsement(o.orderDigest, known.registrations, presented);
  const decision = decideSettlement({
    orderDigest: o.orderDigest,
    vendorId,
    registrations: known.registrations,
    presentedEndorsement: presented,
    revokes: known.revokes,
    settlements: known.settlements,
    brokerStatus: choice.ok ? (await ctx.store.getPlayer(choice.endorsement.brokerId))?.status : undefined,
  });
  const item: SettleItem = { orderDigest: o.orderDigest };
  if (o.endorsement) item.presentedEndorsement = o.endorsement;
  if (decision.ok) {
    const e = decision.endorsement;
    const amount = parseMoney(e.amount);
    const approval: HostApproval = {
      hostId: ctx.host.id,
      orderDigest: o.orderDigest,
      commitId: e.commitId,
      vendorId,
      brokerId: e.brokerId,
      amount: formatMoney(amount),
      approvedAt: at,
    };
    const document: SignedHostApproval = {
      approval,
      sig: await signObject(ctx.host.keys.privateKey, approval),
    };
    item.approval = { commitId: e.commitId, brokerId: e.brokerId, amount, document };
  }
  return item;
}

export function settlementRoutes(app: HostApp, ctx: HostContext): void {
  envelopeRoute(
    app,
    "SettleWithHost",
    async (_envelope, raw) => {
      const vendor = await authenticate(ctx, { type: "SettleWithHost", from: "vendor" }, raw);
      const orders = (raw.body as { orders: { orderDigest: string; endorsement?: SignedEndorsement }[] })
        .orders;
      if (new Set(orders.map((o) => o.orderDigest)).size !== orders.length) {
        throw new QuickPayError("invalid_request", "each order digest may appear once per SettleWithHost");
      }
      const at = ctx.now().toISOString();
      // Reads and signatures for all orders at once: a PostgreSQL pool answers them in parallel.
      const prepared = await Promise.all(orders.map((o) => prepare(ctx, vendor.id, o, at)));
      const early = prepared.filter((p): p is SettleResult => "status" in p);
      const items = prepared.filter((p): p is SettleItem => !("status" in p));
      const stored =
        items.length === 0
          ? { results: [] }
          : await commit(ctx, {
              from: vendor.id,
              messageId: raw.id,
              fingerprint: fingerprintOf(raw),
              at,
              effect: { kind: "settle", vendorId: vendor.id, items },
            });
      const byDigest = new Map(
        [...early, ...(stored.results as SettleResult[])].map((r) => [r.orderDigest, r]),
      );
      return { results: orders.map((o) => byDigest.get(o.orderDigest)!) };
    },
    ["settlement"],
  );
}

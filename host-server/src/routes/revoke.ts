/**
 * §4.2.4 Register Revoke (Broker → Host): the host records the revoke, posts a revoke alert to the
 * vendor's mailbox in the same transaction (so a forged revoke is seen at once) and a refund notice
 * to the wallet that registered the order, when one did.
 */
import { parseMoney, QuickPayError, type RevokeAlert } from "@quickpay/protocol";
import { authenticate, fingerprintOf } from "../auth";
import type { HostContext } from "../context";
import { commit, envelopeRoute, type HostApp } from "./define";

export function revokeRoutes(app: HostApp, ctx: HostContext): void {
  envelopeRoute(
    app,
    "RegisterRevoke",
    async (envelope, raw) => {
      const broker = await authenticate(ctx, { type: "RegisterRevoke", from: "broker" }, raw);
      const body = envelope.body;
      const known = await ctx.store.getOrder(body.orderDigest);
      const commits = known.registrations.filter((r) => r.side === "commit");
      if (commits.length > 0 && !commits.some((r) => r.from === broker.id)) {
        throw new QuickPayError("forbidden", `order ${body.orderDigest} was endorsed by another broker`);
      }
      const at = ctx.now().toISOString();
      const alert: RevokeAlert = {
        orderDigest: body.orderDigest,
        commitId: body.commitId,
        brokerId: broker.id,
        amount: body.amount,
        ...(body.reason ? { reason: body.reason } : {}),
      };
      const result = await commit(ctx, {
        from: broker.id,
        messageId: raw.id,
        fingerprint: fingerprintOf(raw),
        at,
        effect: {
          kind: "revoke",
          revoke: {
            orderDigest: body.orderDigest,
            commitId: body.commitId,
            vendorId: body.vendorId,
            brokerId: broker.id,
            amount: parseMoney(body.amount),
            ...(body.reason ? { reason: body.reason } : {}),
          },
          alert: { to: { playerId: body.vendorId }, kind: "RevokeAlert", body: alert },
        },
      });
      // The refund notice is a hint to the shopper; an order no wallet registered simply has none.
      await ctx.queue.submit({
        from: broker.id,
        messageId: `${raw.id}.refund`,
        fingerprint: fingerprintOf(raw),
        at,
        effect: {
          kind: "post",
          mail: { to: { walletOfOrder: body.orderDigest }, kind: "RefundNotice", body: alert },
        },
      });
      return result;
    },
    ["revoke"],
  );
}

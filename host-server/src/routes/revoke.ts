/**
 * §4.2.4 Register Revoke (Broker → Host): the host records the revoke — each broker's revoke of a
 * digest is its own record, and the vote counts only the one from the broker named in the order's
 * endorsement (store/rules.ts), so a rogue broker's revoke decides nothing, even one sent before the
 * endorsing broker's commit side is registered — posts a revoke alert to the vendor's mailbox in the
 * same transaction (so a forged revoke is seen at once) and a refund notice to the wallet that paid
 * for this broker's endorsement of the order, when that endorsement and the wallet registered.
 */
import { parseMoney, type RevokeAlert } from "@quickpay/protocol";
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
      // Refused in the transaction (rules.ts, decideRevoke): `revoked` (this broker's second revoke of
      // the digest) or `mismatch` (it names another commitment than the one this broker registered).
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
      // The refund notice is a hint to the shopper; an order no wallet registered for this broker's
      // endorsement (or that this broker has not endorsed with the host) simply has none.
      await ctx.queue.submit({
        from: broker.id,
        messageId: `${raw.id}.refund`,
        fingerprint: fingerprintOf(raw),
        at,
        effect: {
          kind: "post",
          mail: {
            to: { walletOfOrder: body.orderDigest, endorsedBy: broker.id },
            kind: "RefundNotice",
            body: alert,
          },
        },
      });
      return result;
    },
    ["revoke"],
  );
}

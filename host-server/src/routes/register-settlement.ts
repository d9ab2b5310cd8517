/**
 * §4.2.2, the broker's side of "each order settled at most once, whichever path settles it":
 * Register Settlement (Broker → Host) carries the broker's signed settlement statement; the host
 * records its accepted digests as settled by the broker, so a later Settle With Host for them is
 * `already_settled`, and reports back the ones it had already approved itself.
 */
import { assertSettlementStatement, QuickPayError } from "@quickpay/protocol";
import { authenticate, fingerprintOf } from "../auth";
import type { HostContext } from "../context";
import { commit, envelopeRoute, type HostApp } from "./define";

export function registerSettlementRoutes(app: HostApp, ctx: HostContext): void {
  envelopeRoute(
    app,
    "RegisterSettlement",
    async (envelope, raw) => {
      const broker = await authenticate(ctx, { type: "RegisterSettlement", from: "broker" }, raw);
      const signed = envelope.body.statement;
      const s = signed.statement;
      if (s.brokerId !== broker.id) {
        throw new QuickPayError(
          "forbidden",
          `statement ${s.statementId} is broker ${s.brokerId}'s, not ${broker.id}'s`,
        );
      }
      // The statement's own signature (one for the whole batch) is what the vendor holds too.
      await assertSettlementStatement(signed, broker.publicKey);
      if (new Set(s.accepted).size !== s.accepted.length) {
        throw new QuickPayError("invalid_request", "a statement lists each accepted digest once");
      }
      return commit(ctx, {
        from: broker.id,
        messageId: raw.id,
        fingerprint: fingerprintOf(raw),
        at: ctx.now().toISOString(),
        effect: {
          kind: "registerSettlement",
          brokerId: broker.id,
          vendorId: s.vendorId,
          statementId: s.statementId,
          orderDigests: s.accepted,
        },
      });
    },
    ["settlement"],
  );
}

/**
 * §4.3 Communication: Post Message (to a player, or to "the wallet that registered order D" without
 * telling the sender who that is) and Fetch Messages by cursor (signed, so only the owner reads).
 */
import type { MailMessage } from "@quickpay/protocol";
import { authenticate, fingerprintOf } from "../auth";
import type { HostContext } from "../context";
import { commit, envelopeRoute, type HostApp } from "./define";

export function mailboxRoutes(app: HostApp, ctx: HostContext): void {
  envelopeRoute(
    app,
    "PostMessage",
    async (envelope, raw) => {
      const sender = await authenticate(ctx, { type: "PostMessage", from: "user" }, raw);
      const { to, ...memo } = envelope.body;
      return commit(ctx, {
        from: sender.id,
        messageId: raw.id,
        fingerprint: fingerprintOf(raw),
        at: ctx.now().toISOString(),
        effect: { kind: "post", mail: { to, kind: "Memo", body: memo } },
      });
    },
    ["communication"],
  );

  envelopeRoute(
    app,
    "FetchMessages",
    async (envelope, raw) => {
      const sender = await authenticate(ctx, { type: "FetchMessages", from: "user" }, raw);
      const found = await ctx.store.fetchMessages(
        sender.id,
        envelope.body.cursor,
        envelope.body.limit ?? 100,
      );
      const messages: MailMessage[] = found.map(({ to: _to, ...m }) => m);
      return { messages, cursor: messages.at(-1)?.cursor ?? envelope.body.cursor ?? null };
    },
    ["communication"],
  );
}

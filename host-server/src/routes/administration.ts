/**
 * §4.1 Administration: Register Wallet, Register Vendor (self-signed by the key they register), Add
 * Broker and Set Player Status (operator only), and the public, cacheable directory.
 */
import {
  canonicalJson,
  DirectoryEntry,
  messages,
  newMessageId,
  playerIdFor,
  QuickPayError,
  sha256Hex,
  type VendorKeyRotation,
  verifyVendorKeyRotation,
} from "@quickpay/protocol";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { assertOperator, authenticateSelfSigned, fingerprintOf } from "../auth";
import type { HostContext } from "../context";
import type { PlayerRecord } from "../store/types";
import { commit, envelopeRoute, type HostApp } from "./define";

/** Directory answers may be cached this long; a suspension shows within it. */
export const DIRECTORY_MAX_AGE_S = 60;

export function toDirectoryEntry(p: PlayerRecord): DirectoryEntry {
  return DirectoryEntry.parse(p);
}

/**
 * A key rotation is the old vendor's signature over the new key (protocol's
 * `vendorKeyRotationStatement`), checked against the old key in the directory. The store re-checks
 * that the old player is a vendor inside the transaction.
 */
async function checkRotation(
  ctx: HostContext,
  rotation: VendorKeyRotation,
  vendorId: string,
  publicKey: string,
): Promise<void> {
  if (rotation.from === vendorId) {
    throw new QuickPayError("invalid_request", "a vendor key rotates to another vendor key, not to itself");
  }
  const old = await ctx.store.getPlayer(rotation.from);
  if (!old) throw new QuickPayError("unknown_player", `${rotation.from} is not in the directory`);
  if (old.kind !== "vendor") throw new QuickPayError("forbidden", `${rotation.from} is not a vendor`);
  if (!(await verifyVendorKeyRotation(rotation, old.publicKey, publicKey))) {
    throw new QuickPayError("bad_signature", `the rotation is not signed by ${rotation.from}'s key`);
  }
}

/** The host itself is in its own directory, so `h_…` resolves like any other player id. */
function hostEntry(ctx: HostContext): DirectoryEntry {
  return {
    id: ctx.host.id,
    kind: "host",
    publicKey: ctx.host.keys.publicKey,
    status: "active",
    registeredAt: ctx.host.registeredAt,
  };
}

export function administrationRoutes(app: HostApp, ctx: HostContext): void {
  envelopeRoute(
    app,
    "RegisterWallet",
    async (envelope, raw, request) => {
      const walletId = await authenticateSelfSigned(ctx, "wallet", raw, envelope.body.publicKey, request.ip);
      const at = ctx.now().toISOString();
      const player: PlayerRecord = {
        id: walletId,
        kind: "wallet",
        publicKey: envelope.body.publicKey,
        status: "active",
        registeredAt: at,
      };
      await commit(ctx, {
        from: walletId,
        messageId: envelope.id,
        fingerprint: fingerprintOf(raw),
        at,
        effect: { kind: "registerPlayer", player },
      });
      return { walletId };
    },
    ["administration"],
  );

  envelopeRoute(
    app,
    "RegisterVendor",
    async (envelope, raw, request) => {
      const body = envelope.body;
      const vendorId = await authenticateSelfSigned(ctx, "vendor", raw, body.publicKey, request.ip);
      const origins = [...new Set(body.origins)];
      ctx.originProver.assertClaimable(origins, body.endpoint);
      if (body.rotation) await checkRotation(ctx, body.rotation, vendorId, body.publicKey);
      const existing = await ctx.store.getPlayer(vendorId);
      // A suspended key (by the operator, or rotated out) registers nothing more: otherwise a rotated-out
      // key could prove an origin that still lists it during the change-over and take it back.
      if (existing?.status === "suspended") {
        throw new QuickPayError("suspended", `${vendorId} is suspended; it may not register again`);
      }
      // Origins this key already holds stay proven; every other one is fetched now, whoever holds it.
      const held = new Set(existing?.origins ?? []);
      const unproven = origins.filter((o) => !held.has(o));
      await ctx.originProver.prove(unproven, body.publicKey);
      const at = ctx.now().toISOString();
      const player: PlayerRecord = {
        id: vendorId,
        kind: "vendor",
        publicKey: body.publicKey,
        status: "active",
        registeredAt: at,
        name: body.name,
        endpoint: body.endpoint,
        origins,
      };
      const rotatedFrom = body.rotation?.from;
      if (rotatedFrom) ctx.directory.forget(rotatedFrom);
      try {
        await commit(ctx, {
          from: vendorId,
          messageId: envelope.id,
          fingerprint: fingerprintOf(raw),
          at,
          effect: {
            kind: "registerPlayer",
            player,
            ...(unproven.length > 0 ? { takeOrigins: unproven } : {}),
            ...(rotatedFrom ? { rotatedFrom } : {}),
          },
        });
      } finally {
        // The old key is suspended now: no request may still act on its cached entry.
        if (rotatedFrom) ctx.directory.forget(rotatedFrom);
      }
      return { vendorId };
    },
    ["administration"],
  );

  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.post(
    messages.AddBroker.path,
    {
      schema: {
        summary: messages.AddBroker.summary,
        tags: ["operator"],
        security: [{ operator: [] }],
        body: messages.AddBroker.body,
        response: { 200: messages.AddBroker.reply },
      },
      onRequest: async (request) => assertOperator(ctx, request),
    },
    async (request) => {
      const at = ctx.now().toISOString();
      const brokerId = playerIdFor("broker", request.body.publicKey);
      await commit(ctx, {
        from: "operator",
        messageId: newMessageId(),
        fingerprint: sha256Hex(canonicalJson(request.body)),
        at,
        effect: {
          kind: "registerPlayer",
          player: { id: brokerId, kind: "broker", status: "active", registeredAt: at, ...request.body },
        },
      });
      return { brokerId };
    },
  );

  typed.post(
    messages.SetPlayerStatus.path,
    {
      schema: {
        summary: messages.SetPlayerStatus.summary,
        tags: ["operator"],
        security: [{ operator: [] }],
        body: messages.SetPlayerStatus.body,
        response: { 200: messages.SetPlayerStatus.reply },
      },
      onRequest: async (request) => assertOperator(ctx, request),
    },
    async (request) =>
      commit(ctx, {
        from: "operator",
        messageId: newMessageId(),
        fingerprint: sha256Hex(canonicalJson(request.body)),
        at: ctx.now().toISOString(),
        effect: { kind: "setPlayerStatus", playerId: request.body.playerId, status: request.body.status },
      }),
  );

  typed.get(
    "/v1/directory/:playerId",
    {
      schema: {
        summary: "A player's directory entry: public key, status, endpoint.",
        tags: ["directory"],
        params: z.object({ playerId: z.string().max(100) }),
        response: { 200: DirectoryEntry },
      },
    },
    async (request, reply) => {
      if (request.params.playerId === ctx.host.id) {
        reply.header("cache-control", `public, max-age=${DIRECTORY_MAX_AGE_S}`);
        return hostEntry(ctx);
      }
      const player = await ctx.store.getPlayer(request.params.playerId);
      if (!player) {
        reply.header("cache-control", "no-store");
        throw new QuickPayError("unknown_player", `${request.params.playerId} is not in the directory`);
      }
      reply.header("cache-control", `public, max-age=${DIRECTORY_MAX_AGE_S}`);
      return toDirectoryEntry(player);
    },
  );

  typed.get(
    "/v1/directory",
    {
      schema: {
        summary: "The vendor whose shop is at exactly this origin.",
        tags: ["directory"],
        querystring: z.object({ origin: z.string().min(1).max(300) }),
        response: { 200: DirectoryEntry },
      },
    },
    async (request, reply) => {
      const vendor = await ctx.store.findVendorByOrigin(request.query.origin);
      if (!vendor) {
        reply.header("cache-control", "no-store");
        throw new QuickPayError("unknown_player", `no vendor is registered for ${request.query.origin}`);
      }
      reply.header("cache-control", `public, max-age=${DIRECTORY_MAX_AGE_S}`);
      return toDirectoryEntry(vendor);
    },
  );

  typed.get(
    "/v1/host",
    {
      schema: {
        summary: "The host's own directory entry (its key signs settlement approvals).",
        tags: ["directory"],
        response: { 200: DirectoryEntry },
      },
    },
    async (_request, reply) => {
      reply.header("cache-control", `public, max-age=${DIRECTORY_MAX_AGE_S}`);
      return hostEntry(ctx);
    },
  );
}

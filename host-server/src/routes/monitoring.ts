/**
 * §4.2.1 Micropayment monitoring: Register Commit (broker), Register Delivery (vendor), Register
 * Order (wallet), single and batched, and the order status the three of them make. The host is a
 * passive watcher: it records every registration, flags disagreements, and never blocks a purchase.
 */
import {
  assertEndorsementSignature,
  Digest,
  type Envelope,
  formatMoney,
  type OrderRegistrationFacts,
  OrderStatus,
  parseMoney,
  QuickPayError,
  type RegistrationFacts,
  type RegistrationSide,
  type SignedEndorsement,
} from "@quickpay/protocol";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { authenticate, fingerprintOf, isOperator } from "../auth";
import type { HostContext } from "../context";
import { allAgree, firstBySide } from "../store/rules";
import type { OrderRecord, PlayerRecord, RegistrationInput, StoredRegistration } from "../store/types";
import { commit, envelopeRoute, type HostApp } from "./define";

/** Checks one endorsement the broker registers: its own, signed by its own key. */
async function commitRegistration(sender: PlayerRecord, raw: SignedEndorsement, index?: number) {
  const where = index === undefined ? "" : ` (entry ${index})`;
  if (raw.endorsement.brokerId !== sender.id) {
    throw new QuickPayError(
      "forbidden",
      `endorsement names broker ${raw.endorsement.brokerId}, not ${sender.id}${where}`,
    );
  }
  try {
    await assertEndorsementSignature(raw, sender.publicKey);
  } catch (error) {
    throw new QuickPayError(
      "bad_signature",
      `${(error as Error).message}${where}`,
      index === undefined ? undefined : { index },
    );
  }
  const e = raw.endorsement;
  return {
    side: "commit",
    orderDigest: e.orderDigest,
    commitId: e.commitId,
    vendorId: e.vendorId,
    amount: parseMoney(e.amount),
    endorsement: raw,
  } satisfies RegistrationInput;
}

function factsRegistration(side: RegistrationSide, facts: RegistrationFacts): RegistrationInput {
  return {
    side,
    orderDigest: facts.orderDigest,
    commitId: facts.commitId,
    vendorId: facts.vendorId,
    amount: parseMoney(facts.amount),
  };
}

/** The wallet's side: its facts, and the salt that opens the endorsement's payer tag (when sent). */
function orderRegistration(facts: OrderRegistrationFacts): RegistrationInput {
  const { payerSalt, ...rest } = facts;
  const r = factsRegistration("order", rest);
  if (payerSalt !== undefined) r.payerSalt = payerSalt;
  return r;
}

function assertOwnDeliveries(sender: PlayerRecord, deliveries: RegistrationFacts[]): void {
  const other = deliveries.findIndex((d) => d.vendorId !== sender.id);
  if (other >= 0) {
    throw new QuickPayError("forbidden", `a vendor registers only its own deliveries (entry ${other})`, {
      index: other,
    });
  }
}

async function record(
  ctx: HostContext,
  sender: PlayerRecord,
  envelope: Envelope,
  registrations: RegistrationInput[],
) {
  const result = await commit(ctx, {
    from: sender.id,
    messageId: envelope.id,
    fingerprint: fingerprintOf(envelope),
    at: ctx.now().toISOString(),
    effect: { kind: "register", registrations },
  });
  return result.registered;
}

function toRecord(r: StoredRegistration | null) {
  if (!r) return null;
  return {
    orderDigest: r.orderDigest,
    commitId: r.commitId,
    vendorId: r.vendorId,
    amount: formatMoney(r.amount),
    from: r.from,
    messageId: r.messageId,
    recordedAt: r.recordedAt,
  };
}

/**
 * The three sides of one order, side by side (`GET /v1/orders/:digest`). The public view hides which
 * wallet registered the order (`order.from: null`); `{ operator: true }` shows it.
 */
export function orderStatusOf(
  order: OrderRecord,
  view: { operator: boolean } = { operator: false },
): OrderStatus {
  const first = firstBySide(order.registrations);
  const shown = [first.commit, first.delivery, first.order].filter((r) => r !== null);
  const walletSide = toRecord(first.order);
  return {
    orderDigest: order.orderDigest,
    commit: toRecord(first.commit),
    delivery: toRecord(first.delivery),
    order: walletSide && !view.operator ? { ...walletSide, from: null } : walletSide,
    agree: allAgree(shown),
    flagged: !allAgree(order.registrations) || order.registrations.some((r) => r.flagged),
  };
}

export function monitoringRoutes(app: HostApp, ctx: HostContext): void {
  const tags = ["micropayment"];
  envelopeRoute(
    app,
    "RegisterCommit",
    async (_envelope, raw) => {
      const sender = await authenticate(ctx, { type: "RegisterCommit", from: "broker" }, raw);
      const body = raw.body as { endorsement: SignedEndorsement };
      const [registered] = await record(ctx, sender, raw, [
        await commitRegistration(sender, body.endorsement),
      ]);
      return registered!;
    },
    tags,
  );
  envelopeRoute(
    app,
    "RegisterCommitBatch",
    async (_envelope, raw) => {
      const sender = await authenticate(ctx, { type: "RegisterCommitBatch", from: "broker" }, raw);
      const body = raw.body as { endorsements: SignedEndorsement[] };
      const registrations = await Promise.all(
        body.endorsements.map((e, i) => commitRegistration(sender, e, i)),
      );
      return { registered: await record(ctx, sender, raw, registrations) };
    },
    tags,
  );
  envelopeRoute(
    app,
    "RegisterDelivery",
    async (envelope, raw) => {
      const sender = await authenticate(ctx, { type: "RegisterDelivery", from: "vendor" }, raw);
      assertOwnDeliveries(sender, [envelope.body]);
      const [registered] = await record(ctx, sender, raw, [factsRegistration("delivery", envelope.body)]);
      return registered!;
    },
    tags,
  );
  envelopeRoute(
    app,
    "RegisterDeliveryBatch",
    async (envelope, raw) => {
      const sender = await authenticate(ctx, { type: "RegisterDeliveryBatch", from: "vendor" }, raw);
      assertOwnDeliveries(sender, envelope.body.deliveries);
      const registrations = envelope.body.deliveries.map((d) => factsRegistration("delivery", d));
      return { registered: await record(ctx, sender, raw, registrations) };
    },
    tags,
  );
  envelopeRoute(
    app,
    "RegisterOrder",
    async (envelope, raw) => {
      const sender = await authenticate(ctx, { type: "RegisterOrder", from: "wallet" }, raw);
      const [registered] = await record(ctx, sender, raw, [orderRegistration(envelope.body)]);
      return registered!;
    },
    tags,
  );
  envelopeRoute(
    app,
    "RegisterOrderBatch",
    async (envelope, raw) => {
      const sender = await authenticate(ctx, { type: "RegisterOrderBatch", from: "wallet" }, raw);
      const registrations = envelope.body.orders.map(orderRegistration);
      return { registered: await record(ctx, sender, raw, registrations) };
    },
    tags,
  );

  app.withTypeProvider<ZodTypeProvider>().get(
    "/v1/orders/:digest",
    {
      schema: {
        summary: "The three registrations of one order digest, side by side.",
        tags,
        params: z.object({ digest: Digest }),
        response: { 200: OrderStatus },
      },
    },
    async (request, reply) => {
      // Registrations keep arriving; never let a cache hide one.
      reply.header("cache-control", "no-store");
      const operator = isOperator(ctx, request);
      return orderStatusOf(await ctx.store.getOrder(request.params.digest), { operator });
    },
  );
}

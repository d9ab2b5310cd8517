/** Operator reads: the dispute view of one order (everything the host knows), players, settlements. */
import { Digest, formatMoney, QuickPayError } from "@quickpay/protocol";
import type { FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { assertOperator } from "../auth";
import type { HostContext } from "../context";
import type { HostApp } from "./define";
import { orderStatusOf } from "./monitoring";

/** Money in the operator's JSON reads as on the wire: decimal strings, never micro-unit integers. */
function wireMoney<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_key, v) =>
      v && typeof v === "object" && typeof v.micros === "number" && typeof v.currency === "string"
        ? formatMoney(v)
        : v,
    ),
  );
}

export function operatorRoutes(app: HostApp, ctx: HostContext): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const onRequest = async (request: FastifyRequest) => assertOperator(ctx, request);

  typed.get(
    "/v1/admin/orders/:digest",
    {
      schema: {
        summary: "Dispute view: every registration, revoke and settlement of one order digest.",
        tags: ["operator"],
        security: [{ operator: [] }],
        params: z.object({ digest: Digest }),
      },
      onRequest,
    },
    async (request, reply) => {
      const order = await ctx.store.getOrder(request.params.digest);
      reply.header("cache-control", "no-store");
      if (order.registrations.length === 0 && order.revokes.length === 0 && order.settlements.length === 0) {
        throw new QuickPayError("not_found", `the host knows nothing of order ${request.params.digest}`);
      }
      return wireMoney({ ...order, status: orderStatusOf(order) });
    },
  );

  typed.get(
    "/v1/admin/players",
    {
      schema: {
        summary: "Players in the directory, by kind, paged by id.",
        tags: ["operator"],
        security: [{ operator: [] }],
        querystring: z.object({
          kind: z.enum(["wallet", "vendor", "broker"]).optional(),
          after: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(1000).optional(),
        }),
      },
      onRequest,
    },
    async (request) => ({ players: await ctx.store.listPlayers(request.query) }),
  );

  typed.get(
    "/v1/admin/settlements",
    {
      schema: {
        summary: "Settlements with settledAt in [since, until).",
        tags: ["operator"],
        security: [{ operator: [] }],
        querystring: z.object({ since: z.iso.datetime().optional(), until: z.iso.datetime().optional() }),
      },
      onRequest,
    },
    async (request) => wireMoney({ settlements: await ctx.store.listSettlements(request.query) }),
  );
}

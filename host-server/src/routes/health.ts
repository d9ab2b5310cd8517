/** Health (is the store answering?) and metrics (Prometheus text: row counts and group-commit stats). */
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { HostContext } from "../context";
import { leanRoutesOf } from "../lean-routes";
import type { HostApp } from "./define";

export function healthRoutes(app: HostApp, ctx: HostContext): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    "/v1/health",
    {
      schema: {
        summary: "Liveness and store health.",
        tags: ["operations"],
        response: {
          200: z.object({
            status: z.literal("ok"),
            store: z.string(),
            schemaVersion: z.number(),
            hostId: z.string(),
          }),
        },
      },
    },
    async (_request, reply) => {
      reply.header("cache-control", "no-store");
      return {
        status: "ok" as const,
        store: ctx.store.kind,
        schemaVersion: await ctx.store.schemaVersion(),
        hostId: ctx.host.id,
      };
    },
  );

  typed.get(
    "/v1/metrics",
    { schema: { summary: "Prometheus metrics.", tags: ["operations"] } },
    async (_request, reply) => {
      const counts = await ctx.store.counts();
      const stats = ctx.queue.stats;
      const lines = [
        "# HELP quickpay_rows Rows in the host store by table.",
        "# TYPE quickpay_rows gauge",
        ...Object.entries(counts).map(([table, n]) => `quickpay_rows{table="${table}"} ${n}`),
        "# HELP quickpay_group_commit_batches_total Store transactions committed by group commit.",
        "# TYPE quickpay_group_commit_batches_total counter",
        `quickpay_group_commit_batches_total ${stats.batches}`,
        "# HELP quickpay_group_commit_writes_total Writes committed by group commit.",
        "# TYPE quickpay_group_commit_writes_total counter",
        `quickpay_group_commit_writes_total ${stats.writes}`,
        "# HELP quickpay_group_commit_largest_batch Largest batch so far.",
        "# TYPE quickpay_group_commit_largest_batch gauge",
        `quickpay_group_commit_largest_batch ${stats.largestBatch}`,
        "# HELP quickpay_lean_requests_total Envelope requests served without fastify's per-request machinery.",
        "# TYPE quickpay_lean_requests_total counter",
        `quickpay_lean_requests_total ${leanRoutesOf(app)?.served ?? 0}`,
        "",
      ];
      reply.header("content-type", "text/plain; version=0.0.4").header("cache-control", "no-store");
      return lines.join("\n");
    },
  );
}

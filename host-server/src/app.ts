/**
 * Builds the host's fastify app: zod validation, the error mapping, OpenAPI from the route schemas,
 * and every protocol's routes. No listening here (`index.ts` does that).
 */
import swagger from "@fastify/swagger";
import { fastifyErrorOptions, type MessagesTo, parseJson } from "@quickpay/protocol";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import { jsonSchemaTransform, validatorCompiler } from "fastify-type-provider-zod";
import { rememberRawText } from "./auth";
import type { HostContext } from "./context";
import { installErrorHandling } from "./errors";
import { LeanRoutes } from "./lean-routes";
import { administrationRoutes } from "./routes/administration";
import { healthRoutes } from "./routes/health";
import { mailboxRoutes } from "./routes/mailbox";
import { monitoringRoutes } from "./routes/monitoring";
import { operatorRoutes } from "./routes/operator";
import { registerSettlementRoutes } from "./routes/register-settlement";
import { revokeRoutes } from "./routes/revoke";
import { settlementRoutes } from "./routes/settlement";

/**
 * Which routes module serves each message the host receives: a new host message in `protocol/`
 * without an entry here fails to compile (and `operations.test.ts` checks each path is served).
 */
export const servedBy = {
  RegisterWallet: "administration",
  RegisterVendor: "administration",
  AddBroker: "administration",
  SetPlayerStatus: "administration",
  RegisterCommit: "monitoring",
  RegisterDelivery: "monitoring",
  RegisterOrder: "monitoring",
  RegisterCommitBatch: "monitoring",
  RegisterDeliveryBatch: "monitoring",
  RegisterOrderBatch: "monitoring",
  SettleWithHost: "settlement",
  RegisterSettlement: "settlement",
  RegisterRevoke: "revoke",
  PostMessage: "mailbox",
  FetchMessages: "mailbox",
} as const satisfies Record<MessagesTo<"host">, string>;

export interface AppOptions {
  logLevel: string;
  /** Largest request body, bytes. Batches of 1000 endorsements fit in 1 MiB. */
  bodyLimit: number;
  /**
   * Serve plain envelope POSTs without fastify's per-request machinery (lean-routes.ts; default
   * true). Off, or with per-request logging at debug/trace, fastify serves every request.
   */
  leanRoutes?: boolean;
}

export async function buildApp(ctx: HostContext, options: AppOptions): Promise<FastifyInstance> {
  const requestLogging = ["debug", "trace"].includes(options.logLevel);
  const lean = new LeanRoutes({
    bodyLimit: options.bodyLimit,
    enabled: (options.leanRoutes ?? true) && !requestLogging,
  });
  const app = Fastify({
    serverFactory: lean.serverFactory,
    logger: { level: options.logLevel },
    // Two log lines per request at info cost more than a registration's database write; refusals and
    // faults are still logged by the error handler. `debug` brings the per-request lines back.
    logController: new LogController({
      disableRequestLogging: !requestLogging,
    }),
    bodyLimit: options.bodyLimit,
    // What node's HTTP parser cannot read and what fastify refuses before routing get the
    // project's shape (with `Connection: close` where the connection cannot go on).
    ...fastifyErrorOptions,
  });
  // The protocol's one JSON parser (I-JSON: a repeated key, a prototype-poisoning key or deep nesting
  // is invalid_request), keeping the text it parsed so envelope checks can run on the envelope
  // thread from it (auth.ts). The lean path parses with the same function.
  app.removeContentTypeParser("application/json");
  const parseText = (text: string): unknown => {
    const parsed = parseJson(text);
    rememberRawText(parsed, text);
    return parsed;
  };
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    let parsed: unknown;
    try {
      parsed = parseText(body.toString());
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    done(null, parsed);
  });
  lean.bind(app, parseText);
  app.setValidatorCompiler(validatorCompiler);
  // Replies are built by the host from typed values; response schemas document them for OpenAPI.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandling(app);
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "QuickPay System Host",
        version: "1.0.0",
        description: "Directory, three-sided order registrations, settlement by majority vote, mailbox.",
      },
      components: { securitySchemes: { operator: { type: "http", scheme: "bearer" } } },
    },
    transform: jsonSchemaTransform,
  });
  administrationRoutes(app, ctx);
  monitoringRoutes(app, ctx);
  settlementRoutes(app, ctx);
  registerSettlementRoutes(app, ctx);
  revokeRoutes(app, ctx);
  mailboxRoutes(app, ctx);
  operatorRoutes(app, ctx);
  healthRoutes(app, ctx);
  app.get("/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  return app;
}

/**
 * The envelope routes' lean path. Every signed message the host receives is a POST of one JSON
 * envelope, and single registrations are its busiest traffic. Per single registration, fastify's
 * per-request machinery (its request and reply objects, the hook chain, the reply pipeline) took
 * about a sixth of the event loop's time and 5–10% of the host's CPU (docs/decisions.md).
 * Plain requests to an envelope route are therefore served here, straight from node:http, by the
 * same steps the fastify route takes: the protocol's one JSON parser (`parseJson`: I-JSON, a
 * repeated key refused), the route's own compiled zod validator, the same handler, and the same error replies
 * (`errorReply`). lean-routes.test.ts sends each case both ways and compares the replies.
 *
 * Anything that is not plain goes to fastify, which stays the reference for every edge case and the
 * source of the OpenAPI document: another method or path (a query string included), a body that is
 * chunked, empty or over the limit, another content type, a host that is closing (fastify answers
 * 503), or request logging switched on.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Envelope } from "@quickpay/protocol";
import type { FastifyBaseLogger, FastifyInstance, FastifyServerFactory } from "fastify";
import { errorReply } from "./errors";

/** What a handler may know of the HTTP request besides the envelope. */
export interface RequestInfo {
  /** The client's address, as fastify's `request.ip` gives it (no proxy is trusted). */
  ip: string;
}

/** A body validator as fastify's validator compilers make them: the parsed value or the issues. */
export type BodyValidator = (data: unknown) => { value?: unknown; error?: ValidationIssue[] };

interface ValidationIssue {
  instancePath?: string;
  message?: string;
}

interface LeanRoute {
  validate: BodyValidator;
  handle(envelope: unknown, raw: Envelope, info: RequestInfo): Promise<unknown>;
}

/** Parses a body's text as the fastify routes do, or throws fastify's error for it. */
type JsonParser = (text: string) => unknown;

/**
 * fastify's error for a body that fails its schema, as fastify builds it (statusCode 400, the
 * issues under `validation`, the default formatter's message), so `errorReply` maps both paths alike.
 */
function validationError(issues: ValidationIssue[]): Error {
  const message = issues.map((i) => `body${i.instancePath ?? ""} ${i.message}`).join(", ");
  return Object.assign(new Error(message), {
    statusCode: 400,
    code: "FST_ERR_VALIDATION",
    validation: issues,
    validationContext: "body",
  });
}

const ofApp = new WeakMap<FastifyInstance, LeanRoutes>();

/** The lean routes of an app built with them (define.ts adds each envelope route's). */
export function leanRoutesOf(app: FastifyInstance): LeanRoutes | undefined {
  return ofApp.get(app);
}

/** One app's lean path: its routes by path, and the http server that tries it before fastify. */
export class LeanRoutes {
  private readonly routes = new Map<string, LeanRoute>();
  /** Set once the app exists (app.ts): the app's JSON parser, which also remembers the raw text. */
  private parseJson: JsonParser = () => {
    throw new Error("the lean path is not bound to an app");
  };
  private log: FastifyBaseLogger | undefined;
  /** Requests the lean path has taken (`quickpay_lean_requests_total`). */
  served = 0;
  /** From the start of close on, fastify answers (503, connection: close) and lean stays out. */
  closing = false;

  constructor(
    private readonly options: {
      bodyLimit: number;
      /** When false every request goes to fastify (the A/B switch; request logging wants it off). */
      enabled: boolean;
    },
  ) {}

  bind(app: FastifyInstance, parseJson: JsonParser): void {
    ofApp.set(app, this);
    this.parseJson = parseJson;
    this.log = app.log;
    app.addHook("preClose", async () => {
      this.closing = true;
    });
  }

  add(path: string, route: LeanRoute): void {
    this.routes.set(path, route);
  }

  /** fastify's `serverFactory`: the server fastify would create, with the lean path in front. */
  readonly serverFactory: FastifyServerFactory = (fastifyHandler, fastifyOptions) => {
    const serve = (request: IncomingMessage, response: ServerResponse) => {
      const route =
        this.options.enabled && !this.closing && request.method === "POST"
          ? this.routes.get(request.url ?? "")
          : undefined;
      if (!route || !plain(request, this.options.bodyLimit)) {
        fastifyHandler(request, response);
        return;
      }
      this.served++;
      readText(request, (text) =>
        // `answer` turns every error into a reply; should writing that reply fail, drop the socket.
        answer(route, () => this.parseJson(text), request, response, this.log).catch(() =>
          response.destroy(),
        ),
      );
    };
    // The settings fastify gives the server it creates itself (fastify/lib/server.js).
    const settings = fastifyOptions as {
      http?: object;
      keepAliveTimeout: number;
      requestTimeout: number;
      connectionTimeout: number;
      maxRequestsPerSocket?: number;
    };
    const server: Server = createServer(settings.http ?? {}, serve);
    server.keepAliveTimeout = settings.keepAliveTimeout;
    server.requestTimeout = settings.requestTimeout;
    server.setTimeout(settings.connectionTimeout);
    if (settings.maxRequestsPerSocket && settings.maxRequestsPerSocket > 0) {
      server.maxRequestsPerSocket = settings.maxRequestsPerSocket;
    }
    return server;
  };
}

/** One JSON body of a known, allowed size, sent whole: the only shape the lean path takes. */
function plain(request: IncomingMessage, bodyLimit: number): boolean {
  const headers = request.headers;
  const type = headers["content-type"];
  if (type !== "application/json" && type?.toLowerCase() !== "application/json; charset=utf-8") return false;
  if (headers["transfer-encoding"] !== undefined) return false;
  const length = Number(headers["content-length"]);
  return length > 0 && length <= bodyLimit;
}

function readText(request: IncomingMessage, done: (text: string) => void): void {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  // node:http ends the body at its content-length; an aborted body never ends, and has nobody to answer.
  request.on("end", () =>
    done(chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString()),
  );
  request.on("error", () => {});
}

async function answer(
  route: LeanRoute,
  parse: () => unknown,
  request: IncomingMessage,
  response: ServerResponse,
  log: FastifyBaseLogger | undefined,
): Promise<void> {
  try {
    const raw = parse();
    const checked = route.validate(raw);
    if (checked.error) throw validationError(checked.error);
    const info = { ip: request.socket.remoteAddress ?? "" };
    send(response, 200, await route.handle(checked.value, raw as Envelope, info));
  } catch (error) {
    sendError(response, error, log, request.url);
  }
}

function sendError(
  response: ServerResponse,
  error: unknown,
  log: FastifyBaseLogger | undefined,
  url: string | undefined,
): void {
  const { status, body } = errorReply(error, log, url ?? "");
  send(response, status, body);
}

function send(response: ServerResponse, status: number, payload: unknown): void {
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(payload);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

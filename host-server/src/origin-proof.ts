/**
 * Register Vendor's proof of control (DESIGN §4.1, in the spirit of ACME http-01): which origins a
 * vendor may claim at all, and the host's fetch of `${origin}/.well-known/quickpay.json`.
 *
 * The fetch is the host reaching out to a URL anyone can name, so it is fenced: GET of that one path
 * only, no cookies or credentials, a deadline for the whole exchange, a size cap, redirects followed
 * only within the same origin (at most 3), and every address it connects to checked after the DNS
 * lookup it connects with (no rebinding between check and connect). Outside loopback mode an origin
 * must be https and resolve to public addresses only; loopback mode also admits loopback origins
 * (127.0.0.0/8, ::1, `localhost` and names under it, RFC 6761) over http or https. Private,
 * link-local, multicast and reserved ranges are refused in both modes.
 */
import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import {
  QuickPayError,
  VENDOR_ORIGIN_PROOF_MAX_BYTES,
  VENDOR_ORIGIN_PROOF_PATH,
  VendorOriginProof,
} from "@quickpay/protocol";

export interface OriginProofOptions {
  /** Loopback mode (the demo and tests): loopback origins may be claimed, over http too. */
  loopback: boolean;
  /** Deadline for one origin's whole fetch, redirects included; default 5 s. */
  timeoutMs?: number;
  /** Largest document read; default `VENDOR_ORIGIN_PROOF_MAX_BYTES` (16 KiB). */
  maxBytes?: number;
  /** Fetches under way at once, host-wide; beyond it a registration is `rate_limited`. Default 64. */
  maxConcurrent?: number;
}

/** Why an origin was not proven, in `details.reason` of `origin_not_proven`. */
export type ProofFailure =
  | "unreachable"
  | "timeout"
  | "address_refused"
  | "redirect"
  | "status"
  | "content_type"
  | "too_large"
  | "malformed"
  | "key_not_listed";

const MAX_REDIRECTS = 3;

const loopbackAddresses = new net.BlockList();
loopbackAddresses.addSubnet("127.0.0.0", 8, "ipv4");
loopbackAddresses.addAddress("::1", "ipv6");

/** Never a shop's address: this network, private, shared (CGNAT), link-local, documentation,
 * benchmarking, multicast and reserved ranges (RFC 6890), IPv4-mapped forms included (BlockList
 * checks `::ffff:a.b.c.d` against the IPv4 rules). */
const refusedAddresses = new net.BlockList();
for (const [net4, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  refusedAddresses.addSubnet(net4, bits, "ipv4");
}
for (const [net6, bits] of [
  ["::", 128],
  ["64:ff9b::", 96],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  refusedAddresses.addSubnet(net6, bits, "ipv6");
}

function family(address: string): "ipv4" | "ipv6" {
  return net.isIPv6(address) ? "ipv6" : "ipv4";
}

function isLoopbackAddress(address: string): boolean {
  return loopbackAddresses.check(address, family(address));
}

/** The URL's host without IPv6 brackets, lower-case. */
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
}

/** `localhost` and every name under it (RFC 6761 §6.3): loopback, never asked of DNS. */
function isLocalhostName(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost");
}

/** True when the origin's host is loopback by its name or literal address. */
export function isLoopbackOrigin(origin: string): boolean {
  const host = bareHost(new URL(origin));
  return isLocalhostName(host) || (net.isIP(host) !== 0 && isLoopbackAddress(host));
}

/** True when the host binds only a loopback address (its own clients are on this machine). */
export function isLoopbackBind(address: string): boolean {
  const host = address.replace(/^\[|\]$/g, "").toLowerCase();
  return isLocalhostName(host) || (net.isIP(host) !== 0 && isLoopbackAddress(host));
}

export class OriginProver {
  private inflight = 0;
  readonly loopback: boolean;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly maxConcurrent: number;

  constructor(options: OriginProofOptions) {
    this.loopback = options.loopback;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxBytes = options.maxBytes ?? VENDOR_ORIGIN_PROOF_MAX_BYTES;
    this.maxConcurrent = options.maxConcurrent ?? 64;
  }

  /**
   * The claim's shape, before anything is fetched: every origin may be claimed on this host, and the
   * endpoint lies on one of them. Throws `invalid_request`.
   */
  assertClaimable(origins: readonly string[], endpoint: string): void {
    for (const origin of origins) {
      const url = new URL(origin);
      if (isLoopbackOrigin(origin)) {
        if (!this.loopback) {
          throw new QuickPayError(
            "invalid_request",
            `${origin} is a loopback origin; this host admits those only in loopback mode (a demo or a test)`,
            { origin },
          );
        }
      } else if (url.protocol !== "https:") {
        throw new QuickPayError("invalid_request", `${origin} must be https`, { origin });
      } else {
        const host = bareHost(url);
        if (net.isIP(host) !== 0 && refusedAddresses.check(host, family(host))) {
          throw new QuickPayError("invalid_request", `${origin} is not a public address`, { origin });
        }
      }
    }
    const url = new URL(endpoint);
    if (url.username !== "" || url.password !== "") {
      throw new QuickPayError("invalid_request", "the endpoint must not carry a user name or password");
    }
    if (!origins.includes(url.origin)) {
      throw new QuickPayError(
        "invalid_request",
        `the endpoint ${endpoint} is not on one of the origins being registered (${origins.join(", ")})`,
        { endpoint },
      );
    }
  }

  /**
   * Fetches each origin's proof and requires `publicKey` in it; throws `origin_not_proven` for the
   * first origin (in the order given) that fails, or `rate_limited` when the host is proving too
   * many origins at once.
   */
  async prove(origins: readonly string[], publicKey: string): Promise<void> {
    if (origins.length === 0) return;
    if (this.inflight + origins.length > this.maxConcurrent) {
      throw new QuickPayError(
        "rate_limited",
        "the host is proving too many origins at once; try again shortly",
      );
    }
    this.inflight += origins.length;
    try {
      const outcomes = await Promise.all(origins.map((origin) => this.proveOne(origin, publicKey)));
      const failed = outcomes.find((o) => o !== undefined);
      if (failed) throw failed;
    } finally {
      this.inflight -= origins.length;
    }
  }

  private async proveOne(origin: string, publicKey: string): Promise<QuickPayError | undefined> {
    const fail = (reason: ProofFailure, why: string) =>
      new QuickPayError("origin_not_proven", `${origin}${VENDOR_ORIGIN_PROOF_PATH}: ${why}`, {
        origin,
        reason,
      });
    let fetched: Fetched;
    try {
      fetched = await this.fetchProof(origin);
    } catch (error) {
      if (error instanceof ProofError) return fail(error.reason, error.message);
      return fail("unreachable", (error as Error).message);
    }
    if (fetched.status !== 200) return fail("status", `answered HTTP ${fetched.status}, not 200`);
    if (!/^application\/json\s*(;|$)/i.test(fetched.contentType)) {
      return fail("content_type", `is ${fetched.contentType || "untyped"}, not application/json`);
    }
    let document: unknown;
    try {
      document = JSON.parse(fetched.body.toString("utf8"));
    } catch {
      return fail("malformed", "is not JSON");
    }
    const parsed = VendorOriginProof.safeParse(document);
    if (!parsed.success) return fail("malformed", "is not a QuickPay origin proof ({ vendorKeys: [...] })");
    if (!parsed.data.vendorKeys.includes(publicKey)) {
      return fail("key_not_listed", "does not list the key being registered");
    }
    return undefined;
  }

  private async fetchProof(origin: string): Promise<Fetched> {
    const deadline = Date.now() + this.timeoutMs;
    let url = new URL(VENDOR_ORIGIN_PROOF_PATH, origin);
    for (let redirects = 0; ; redirects++) {
      const reply = await this.get(url, deadline);
      if (reply.status < 300 || reply.status > 399 || reply.location === undefined) return reply;
      if (redirects === MAX_REDIRECTS)
        throw new ProofError("redirect", `more than ${MAX_REDIRECTS} redirects`);
      let next: URL;
      try {
        next = new URL(reply.location, url);
      } catch {
        throw new ProofError("redirect", "redirects to an unreadable location");
      }
      if (next.origin !== origin) {
        throw new ProofError(
          "redirect",
          `redirects to another origin (${next.origin}); the proof must be on ${origin}`,
        );
      }
      url = next;
    }
  }

  /** One GET within the deadline, reading at most `maxBytes` of the body. */
  private get(url: URL, deadline: number): Promise<Fetched> {
    const remaining = deadline - Date.now();
    if (remaining <= 0)
      return Promise.reject(new ProofError("timeout", `no answer within ${this.timeoutMs} ms`));
    // An IP literal is connected to without `lookup`, so its address is checked here.
    const host = bareHost(url);
    const refusal = net.isIP(host) !== 0 ? this.refusal(host) : undefined;
    if (refusal) return Promise.reject(refusal);
    return new Promise<Fetched>((resolve, reject) => {
      const client = url.protocol === "https:" ? https : http;
      const request = client.request(url, {
        method: "GET",
        agent: false,
        headers: { accept: "application/json", "user-agent": "QuickPay-Host (vendor origin proof)" },
        lookup: this.lookup,
      });
      const timer = setTimeout(
        () => request.destroy(new ProofError("timeout", `no answer within ${this.timeoutMs} ms`)),
        remaining,
      );
      let settled = false;
      const done = (error: Error | undefined, value?: Fetched) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(value!);
      };
      request.on("error", (error) => done(error));
      request.on("response", (response) => {
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        const contentType = response.headers["content-type"] ?? "";
        if (status >= 300 && status <= 399) {
          response.resume();
          request.destroy();
          return done(undefined, {
            status,
            contentType,
            body: Buffer.alloc(0),
            ...(location ? { location } : {}),
          });
        }
        const declared = Number(response.headers["content-length"] ?? 0);
        if (declared > this.maxBytes) {
          request.destroy();
          return done(new ProofError("too_large", `is larger than ${this.maxBytes} bytes`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxBytes) {
            request.destroy(new ProofError("too_large", `is larger than ${this.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on("end", () => done(undefined, { status, contentType, body: Buffer.concat(chunks) }));
        response.on("error", (error) => done(error));
      });
      request.end();
    });
  }

  /** Why this host may not connect to `address`, or undefined when it may. */
  private refusal(address: string): ProofError | undefined {
    if (isLoopbackAddress(address)) {
      return this.loopback
        ? undefined
        : new ProofError("address_refused", `${address} is a loopback address`);
    }
    if (refusedAddresses.check(address, family(address))) {
      return new ProofError("address_refused", `${address} is not a public address`);
    }
    return undefined;
  }

  /** `dns.lookup` with every answer checked; `localhost` names are loopback without asking DNS. */
  private readonly lookup = (
    hostname: string,
    options: dns.LookupOptions,
    callback: (error: Error | null, address: string | dns.LookupAddress[], family?: number) => void,
  ): void => {
    const answer = (addresses: dns.LookupAddress[]) => {
      const refused = addresses.map((a) => this.refusal(a.address)).find((r) => r !== undefined);
      if (refused) return callback(refused, "");
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    };
    if (isLocalhostName(hostname.toLowerCase())) {
      answer([{ address: "127.0.0.1", family: 4 }]);
      return;
    }
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) callback(error, "");
      else if (addresses.length === 0) callback(new Error(`${hostname} has no address`), "");
      else answer(addresses);
    });
  };
}

interface Fetched {
  status: number;
  contentType: string;
  body: Buffer;
  location?: string;
}

class ProofError extends Error {
  constructor(
    readonly reason: ProofFailure,
    message: string,
  ) {
    super(message);
  }
}

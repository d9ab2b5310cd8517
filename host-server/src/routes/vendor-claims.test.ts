/**
 * Who may claim what (issue 12), over real HTTP: a vendor proves each origin at its
 * /.well-known/quickpay.json, its endpoint lies on one of them, a rogue cannot take another's origin,
 * the current proof wins, a key rotation moves the origins, and the fetch itself stays fenced.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  signVendorKeyRotation,
  VENDOR_ORIGIN_PROOF_PATH,
  type VendorKeyRotation,
  vendorOriginProof,
} from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProofServer, startProofServer } from "../proof-server";
import { type RunningHost, startHost } from "../start";
import { envelope, get, makePlayer, post, type TestPlayer } from "../test-kit";

interface Site {
  origin: string;
  /** Every request the site received: method, path and the headers the host sent. */
  seen: { method: string; url: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

const sites: Site[] = [];

/** A web server on its own loopback port (its own origin) answering with `handler`. */
async function site(handler: http.RequestListener): Promise<Site> {
  const seen: Site["seen"] = [];
  const server = http.createServer((request, response) => {
    seen.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers });
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const s: Site = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  sites.push(s);
  return s;
}

/** A shop's site serving the proof for these keys, and 404 elsewhere. */
function proofSite(publicKeys: string | string[]): Promise<Site> {
  return site((request, response) => {
    if (request.url !== VENDOR_ORIGIN_PROOF_PATH) return void response.writeHead(404).end();
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(vendorOriginProof(publicKeys)));
  });
}

let host: RunningHost;
let proofs: ProofServer;
const url = (path: string) => `${host.url}${path}`;

beforeAll(async () => {
  host = await startHost({ originProof: { timeoutMs: 1_000 } });
  proofs = await startProofServer();
});
afterAll(async () => {
  for (const s of sites) await s.close();
  await proofs.close();
  await host.close();
});

function registration(
  vendor: TestPlayer,
  origins: string[],
  endpoint = `${origins[0]}/quickpay`,
  extra: { name?: string; rotation?: VendorKeyRotation } = {},
) {
  return envelope(vendor, "RegisterVendor", {
    publicKey: vendor.publicKey,
    name: extra.name ?? "Shop",
    origins,
    endpoint,
    ...(extra.rotation ? { rotation: extra.rotation } : {}),
  });
}

async function register(vendor: TestPlayer, origins: string[], endpoint?: string, extra = {}) {
  return post(url("/v1/register-vendor"), await registration(vendor, origins, endpoint, extra));
}

const entry = async (id: string) => (await get(url(`/v1/directory/${id}`))).json;
const byOrigin = (origin: string) => get(url(`/v1/directory?origin=${encodeURIComponent(origin)}`));

describe("proof of control of an origin", () => {
  it("registers a shop whose origin lists its key at /.well-known/quickpay.json", async () => {
    const vendor = makePlayer("vendor");
    const shop = await proofSite(vendor.publicKey);
    expect(await register(vendor, [shop.origin])).toMatchObject({
      status: 200,
      json: { vendorId: vendor.id },
    });
    expect((await byOrigin(shop.origin)).json).toMatchObject({
      id: vendor.id,
      origins: [shop.origin],
      endpoint: `${shop.origin}/quickpay`,
    });
    // One GET of the well-known path, asking for JSON, with nothing of anyone's.
    expect(shop.seen).toHaveLength(1);
    expect(shop.seen[0]).toMatchObject({ method: "GET", url: VENDOR_ORIGIN_PROOF_PATH });
    expect(shop.seen[0]!.headers).toMatchObject({ accept: "application/json" });
    expect(shop.seen[0]!.headers.cookie).toBeUndefined();
    expect(shop.seen[0]!.headers.authorization).toBeUndefined();
  });

  it("refuses an origin whose proof is missing or lists other keys, registering nothing", async () => {
    const vendor = makePlayer("vendor");
    const elsewhere = await proofSite(makePlayer("vendor").publicKey);
    expect(await register(vendor, [elsewhere.origin])).toMatchObject({
      status: 403,
      json: {
        error: { code: "origin_not_proven", details: { origin: elsewhere.origin, reason: "key_not_listed" } },
      },
    });
    const bare = await site((_request, response) => response.writeHead(404).end());
    expect((await register(vendor, [bare.origin])).json.error).toMatchObject({
      code: "origin_not_proven",
      details: { reason: "status" },
    });
    // Nothing listens there at all.
    const gone = await site(() => {});
    await gone.close();
    expect((await register(vendor, [gone.origin])).json.error).toMatchObject({
      code: "origin_not_proven",
      details: { reason: "unreachable" },
    });
    // One origin proven, the other not: refused whole.
    const mine = await proofSite(vendor.publicKey);
    expect((await register(vendor, [mine.origin, elsewhere.origin])).json.error.code).toBe(
      "origin_not_proven",
    );
    expect((await get(url(`/v1/directory/${vendor.id}`))).status).toBe(404);
    expect((await byOrigin(mine.origin)).status).toBe(404);
  });

  it("refuses a rogue vendor claiming another vendor's origin; the owner keeps it", async () => {
    const owner = makePlayer("vendor");
    const origin = proofs.originFor(owner.publicKey);
    expect((await register(owner, [origin])).status).toBe(200);
    const rogue = makePlayer("vendor");
    expect(await register(rogue, [origin])).toMatchObject({
      status: 403,
      json: { error: { code: "origin_not_proven", details: { reason: "key_not_listed" } } },
    });
    // Its own origin beside the stolen one changes nothing either.
    const rogueOwn = proofs.originFor(rogue.publicKey);
    expect((await register(rogue, [rogueOwn, origin], `${rogueOwn}/quickpay`)).status).toBe(403);
    expect((await byOrigin(origin)).json).toMatchObject({ id: owner.id, endpoint: `${origin}/quickpay` });
    expect((await get(url(`/v1/directory/${rogue.id}`))).status).toBe(404);
  });

  it("gives an origin to whoever proves it now; the vendor that held it loses it and its endpoint there", async () => {
    const before = makePlayer("vendor");
    const [sold, kept] = [proofs.originFor(before.publicKey), proofs.originFor(before.publicKey)];
    expect((await register(before, [sold, kept], `${sold}/quickpay`)).status).toBe(200);
    // The domain changes hands: its new owner lists its own key.
    const after = makePlayer("vendor");
    proofs.list(sold, after.publicKey);
    expect(await register(after, [sold])).toMatchObject({ status: 200, json: { vendorId: after.id } });
    expect((await byOrigin(sold)).json).toMatchObject({ id: after.id, endpoint: `${sold}/quickpay` });
    const old = await entry(before.id);
    expect(old).toMatchObject({ status: "active", origins: [kept] });
    expect(old.endpoint).toBeUndefined();
    // It may register again with an endpoint on what it kept, without proving that again.
    expect((await register(before, [kept], `${kept}/quickpay`)).status).toBe(200);
    expect(await entry(before.id)).toMatchObject({ origins: [kept], endpoint: `${kept}/quickpay` });
  });

  it("keeps re-registration with the same key working without fetching what it already holds", async () => {
    const vendor = makePlayer("vendor");
    const shop = await proofSite(vendor.publicKey);
    const first = await registration(vendor, [shop.origin]);
    expect((await post(url("/v1/register-vendor"), first)).status).toBe(200);
    // A resend of the same message is answered from the exactly-once record.
    expect(await post(url("/v1/register-vendor"), first)).toMatchObject({
      status: 200,
      json: { vendorId: vendor.id },
    });
    await shop.close();
    // The shop's server is down; the origin is already this key's, so a new name still registers.
    expect((await register(vendor, [shop.origin], undefined, { name: "Renamed" })).status).toBe(200);
    expect(await entry(vendor.id)).toMatchObject({ name: "Renamed", origins: [shop.origin] });
    expect(shop.seen).toHaveLength(1);
    // A new origin beside it is fetched (and only it).
    const second = await proofSite(vendor.publicKey);
    expect((await register(vendor, [shop.origin, second.origin])).status).toBe(200);
    expect(second.seen).toHaveLength(1);
  });
});

describe("the endpoint lies on a proven origin", () => {
  it("refuses an endpoint off the vendor's origins, another host's loopback address included", async () => {
    const vendor = makePlayer("vendor");
    const shop = await proofSite(vendor.publicKey);
    for (const endpoint of [
      "http://127.0.0.1:9/quickpay",
      "http://localhost:7700/v1",
      "https://bank.example/quickpay",
      `${shop.origin.replace("http:", "https:")}/quickpay`,
      `http://user:secret@${shop.origin.slice("http://".length)}/quickpay`,
    ]) {
      expect(await register(vendor, [shop.origin], endpoint), endpoint).toMatchObject({
        status: 400,
        json: { error: { code: "invalid_request" } },
      });
    }
    // Refused before anything was fetched, and nothing registered.
    expect(shop.seen).toHaveLength(0);
    expect((await get(url(`/v1/directory/${vendor.id}`))).status).toBe(404);
    expect((await register(vendor, [shop.origin], `${shop.origin}/deep/path/quickpay`)).status).toBe(200);
  });
});

describe("loopback mode", () => {
  let strict: RunningHost;
  beforeAll(async () => {
    strict = await startHost({ loopbackVendors: false });
  });
  afterAll(async () => strict?.close());

  it("off: loopback origins are refused, and every other origin must be https on a public address", async () => {
    const vendor = makePlayer("vendor");
    const shop = await proofSite(vendor.publicKey);
    const claim = async (origin: string) =>
      post(`${strict.url}/v1/register-vendor`, await registration(vendor, [origin]));
    for (const origin of [
      shop.origin,
      shop.origin.replace("http:", "https:"),
      "http://localhost:7702",
      `http://shop.localhost:${new URL(shop.origin).port}`,
      "http://[::1]:7702",
      "http://shop.example",
      "https://10.1.2.3",
      "https://[fe80::1]",
    ]) {
      expect(await claim(origin), origin).toMatchObject({
        status: 400,
        json: { error: { code: "invalid_request" } },
      });
    }
    expect(shop.seen).toHaveLength(0);
  });

  it("on: loopback origins over http, told apart by port or by name under localhost", async () => {
    const vendor = makePlayer("vendor");
    const named = proofs.originFor(vendor.publicKey);
    expect(named).toMatch(/^http:\/\/[0-9a-f]+\.localhost:\d+$/);
    expect((await register(vendor, [named])).status).toBe(200);
  });
});

describe("a fenced fetch", () => {
  it("follows a redirect within the origin, and refuses one to another origin", async () => {
    const vendor = makePlayer("vendor");
    const real = await proofSite(vendor.publicKey);
    const away = await site((_request, response) =>
      response.writeHead(302, { location: `${real.origin}${VENDOR_ORIGIN_PROOF_PATH}` }).end(),
    );
    expect((await register(vendor, [away.origin])).json.error).toMatchObject({
      code: "origin_not_proven",
      details: { reason: "redirect" },
    });
    expect(real.seen).toHaveLength(0);
    expect((await get(url(`/v1/directory/${vendor.id}`))).status).toBe(404);
    const within = await site((request, response) => {
      if (request.url === VENDOR_ORIGIN_PROOF_PATH) {
        return void response.writeHead(301, { location: "/proof/quickpay.json" }).end();
      }
      response.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      response.end(JSON.stringify(vendorOriginProof(vendor.publicKey)));
    });
    expect((await register(vendor, [within.origin])).status).toBe(200);
    const loop = await site((_request, response) => response.writeHead(302, { location: "/again" }).end());
    expect((await register(vendor, [loop.origin])).json.error.details.reason).toBe("redirect");
    expect(loop.seen).toHaveLength(4);
  });

  it("reads no more than 16 KiB, declared or streamed", async () => {
    const vendor = makePlayer("vendor");
    const declared = await site((_request, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-length": String(1 << 20) });
      response.write("{");
    });
    expect((await register(vendor, [declared.origin])).json.error.details.reason).toBe("too_large");
    let streamed = 0;
    const chunked = await site((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      const chunk = `${" ".repeat(4095)}\n`;
      const pump = () => {
        while (streamed < 1 << 20 && response.write(chunk)) streamed += chunk.length;
        if (streamed < 1 << 20) response.once("drain", pump);
        else response.end();
      };
      response.write(`{"vendorKeys":["${vendor.publicKey}"],"pad":"`);
      pump();
    });
    expect((await register(vendor, [chunked.origin])).json.error.details.reason).toBe("too_large");
    expect((await get(url(`/v1/directory/${vendor.id}`))).status).toBe(404);
  });

  it("gives up on a server that never answers, and refuses what is not a JSON proof", async () => {
    const vendor = makePlayer("vendor");
    const silent = await site(() => {});
    expect((await register(vendor, [silent.origin])).json.error).toMatchObject({
      code: "origin_not_proven",
      details: { reason: "timeout" },
    });
    // Headers at once, then a byte now and then: the deadline covers the whole exchange.
    const drip = await site((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      const timer = setInterval(() => response.write(" "), 100);
      response.on("close", () => clearInterval(timer));
    });
    expect((await register(vendor, [drip.origin])).json.error).toMatchObject({
      code: "origin_not_proven",
      details: { reason: "timeout" },
    });
    const html = await site((_request, response) =>
      response
        .writeHead(200, { "content-type": "text/html" })
        .end(JSON.stringify(vendorOriginProof(vendor.publicKey))),
    );
    expect((await register(vendor, [html.origin])).json.error.details.reason).toBe("content_type");
    const garbage = await site((_request, response) =>
      response.writeHead(200, { "content-type": "application/json" }).end("{nope"),
    );
    expect((await register(vendor, [garbage.origin])).json.error.details.reason).toBe("malformed");
    const shape = await site((_request, response) =>
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ keys: [vendor.publicKey] })),
    );
    expect((await register(vendor, [shape.origin])).json.error.details.reason).toBe("malformed");
    expect((await get(url(`/v1/directory/${vendor.id}`))).status).toBe(404);
  });

  it("proves a bounded number of origins at once; beyond it a registration is rate_limited", async () => {
    const small = await startHost({ originProof: { maxConcurrent: 1 } });
    try {
      const vendor = makePlayer("vendor");
      let answer: (() => void) | undefined;
      let heard: () => void = () => {};
      const requested = new Promise<void>((resolve) => {
        heard = resolve;
      });
      const held = await site((_request, response) => {
        answer = () => {
          response.writeHead(200, { "content-type": "application/json" });
          response.end(JSON.stringify(vendorOriginProof(vendor.publicKey)));
        };
        heard();
      });
      const first = post(`${small.url}/v1/register-vendor`, await registration(vendor, [held.origin]));
      await requested;
      const other = makePlayer("vendor");
      const second = await post(
        `${small.url}/v1/register-vendor`,
        await registration(other, [proofs.originFor(other.publicKey)]),
      );
      expect(second).toMatchObject({ status: 429, json: { error: { code: "rate_limited" } } });
      answer!();
      expect((await first).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe("key rotation", () => {
  it("moves the origins to the new key, signed by the old one, and suspends the old vendor", async () => {
    const old = makePlayer("vendor");
    const origin = proofs.originFor(old.publicKey);
    expect((await register(old, [origin])).status).toBe(200);
    const next = makePlayer("vendor");
    const rotation = await signVendorKeyRotation(old.privateKey, old.id, next.publicKey);

    // The origin must list the new key too: a stolen old key alone cannot move it anywhere.
    expect((await register(next, [origin], undefined, { rotation })).json.error.code).toBe(
      "origin_not_proven",
    );
    expect((await entry(old.id)).status).toBe("active");
    proofs.list(origin, [old.publicKey, next.publicKey]);

    // Not signed by the old key; from a vendor the directory does not know; from a wallet.
    const forged = await signVendorKeyRotation(next.privateKey, old.id, next.publicKey);
    expect((await register(next, [origin], undefined, { rotation: forged })).json.error.code).toBe(
      "bad_signature",
    );
    const stranger = makePlayer("vendor");
    const unknown = await signVendorKeyRotation(stranger.privateKey, stranger.id, next.publicKey);
    expect((await register(next, [origin], undefined, { rotation: unknown })).json.error.code).toBe(
      "unknown_player",
    );
    const wallet = makePlayer("wallet");
    expect(
      (
        await post(
          url("/v1/register-wallet"),
          await envelope(wallet, "RegisterWallet", { publicKey: wallet.publicKey }),
        )
      ).status,
    ).toBe(200);
    const fromWallet = await signVendorKeyRotation(wallet.privateKey, wallet.id, next.publicKey);
    expect(await register(next, [origin], undefined, { rotation: fromWallet })).toMatchObject({
      status: 400,
      json: { error: { code: "invalid_request" } },
    });
    expect((await get(url(`/v1/directory/${next.id}`))).status).toBe(404);

    expect(await register(next, [origin], undefined, { rotation })).toMatchObject({
      status: 200,
      json: { vendorId: next.id },
    });
    expect((await byOrigin(origin)).json).toMatchObject({ id: next.id, status: "active", origins: [origin] });
    const retired = await entry(old.id);
    expect(retired).toMatchObject({ status: "suspended", origins: [] });
    expect(retired.endpoint).toBeUndefined();
    // The old key's messages are refused from now on.
    const fetchMail = await envelope(old, "FetchMessages", {});
    expect((await post(url("/v1/fetch-messages"), fetchMail)).json.error.code).toBe("suspended");
    // Nor may it register again, though the origin still lists it: the origin stays the new key's.
    expect((await register(old, [origin])).json.error.code).toBe("suspended");
    expect((await byOrigin(origin)).json).toMatchObject({ id: next.id });
    // The same rotation sent again (a new message id: its reply was lost) is accepted as it stands.
    expect((await register(next, [origin], undefined, { rotation })).status).toBe(200);
    // A rotation to itself is no rotation.
    const self = await signVendorKeyRotation(next.privateKey, next.id, next.publicKey);
    expect((await register(next, [origin], undefined, { rotation: self })).json.error.code).toBe(
      "invalid_request",
    );
  });
});

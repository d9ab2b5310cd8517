import { describe, expect, it } from "vitest";
import { generateKeyPair } from "./crypto";
import { assertVendorFor, DirectoryClient } from "./directory";
import { QuickPayError } from "./errors";
import type { DirectoryEntry } from "./messages";

const vendor: DirectoryEntry = {
  id: `v_${"1".repeat(32)}`,
  kind: "vendor",
  // Any real key: all-zero bytes ("A" × 43) would be a small-order point, which no schema admits.
  publicKey: generateKeyPair().publicKey,
  status: "active",
  registeredAt: "2026-11-21T05:00:00.000Z",
  name: "Shop",
  endpoint: "http://127.0.0.1:7702/quickpay",
  origins: ["http://127.0.0.1:7702", "https://shop.example"],
};

const codeOf = (f: () => unknown) => {
  try {
    f();
    return "ok";
  } catch (error) {
    return (error as QuickPayError).code;
  }
};

describe("assertVendorFor (the page-origin check)", () => {
  it("accepts each registered origin of an active vendor", () => {
    expect(codeOf(() => assertVendorFor(vendor, "http://127.0.0.1:7702"))).toBe("ok");
    expect(codeOf(() => assertVendorFor(vendor, "https://shop.example"))).toBe("ok");
  });

  it.each([
    ["another port", vendor, "http://127.0.0.1:7703"],
    ["another scheme", vendor, "http://shop.example"],
    ["a suspended vendor", { ...vendor, status: "suspended" as const }, "http://127.0.0.1:7702"],
    ["a broker's entry", { ...vendor, kind: "broker" as const }, "http://127.0.0.1:7702"],
    ["a vendor without endpoint", { ...vendor, endpoint: undefined }, "http://127.0.0.1:7702"],
  ])("refuses %s with not_a_vendor", (_what, entry, origin) => {
    expect(codeOf(() => assertVendorFor(entry, origin))).toBe("not_a_vendor");
  });
});

/**
 * The cache's own rules. The transport is the one thing injected here: every HTTP path through this
 * client is exercised against a real host by the Wallet's, the broker kit's and the vendor SDK's tests.
 */
describe("DirectoryClient caching", () => {
  const hostUrl = "http://127.0.0.1:1";
  function counting(answer: (url: string) => Response) {
    const calls: string[] = [];
    const fetch = async (url: string) => {
      calls.push(url);
      return answer(url);
    };
    return { calls, fetch };
  }
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

  it("serves an entry from cache until its TTL, then asks again; one request in flight per key", async () => {
    let clock = 0;
    const t = counting(() => json(vendor));
    const directory = new DirectoryClient(hostUrl, { fetch: t.fetch, ttlMs: 1000, now: () => clock });
    await Promise.all([
      directory.lookup(vendor.id),
      directory.lookup(vendor.id),
      directory.lookup(vendor.id),
    ]);
    expect(t.calls).toHaveLength(1);
    clock = 999;
    await directory.active(vendor.id, "vendor");
    expect(t.calls).toHaveLength(1);
    clock = 1000;
    await directory.lookup(vendor.id);
    expect(t.calls).toHaveLength(2);
  });

  it("never caches a failure, so a player admitted a moment later is usable at once", async () => {
    let known = false;
    const t = counting(() =>
      known ? json(vendor) : json({ error: { code: "not_found", message: "no such player" } }, 404),
    );
    const directory = new DirectoryClient(hostUrl, { fetch: t.fetch });
    await expect(directory.lookup(vendor.id)).rejects.toMatchObject({ code: "unknown_player" });
    known = true;
    await expect(directory.lookup(vendor.id)).resolves.toMatchObject({ id: vendor.id });
  });

  it("refuses the wrong kind, a suspended player, and an answer about someone else", async () => {
    const suspended = { ...vendor, id: `v_${"2".repeat(32)}`, status: "suspended" };
    const t = counting((url) => json(url.endsWith(suspended.id) ? suspended : vendor));
    const directory = new DirectoryClient(hostUrl, { fetch: t.fetch });
    await expect(directory.active(vendor.id, "broker")).rejects.toMatchObject({ code: "unknown_player" });
    await expect(directory.active(suspended.id, "vendor")).rejects.toMatchObject({ code: "suspended" });
    await expect(directory.lookup(`v_${"3".repeat(32)}`)).rejects.toMatchObject({ code: "internal" });
  });

  it("maps an origin no vendor claims to not_a_vendor", async () => {
    const t = counting(() => json({ error: { code: "not_found", message: "no vendor there" } }, 404));
    const directory = new DirectoryClient(hostUrl, { fetch: t.fetch });
    const error = await directory.vendorByOrigin("http://127.0.0.1:9").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuickPayError);
    expect((error as QuickPayError).code).toBe("not_a_vendor");
  });
});

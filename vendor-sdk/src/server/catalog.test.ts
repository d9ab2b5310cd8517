/** Catalogue checks: at startup for a listed catalogue, at Get Order for one read item by item. */
import { generateKeyPair, playerIdFor, QuickPayError, SignedOrder } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deadUrl, postJson, type Served, serveFetch } from "../test-support/serve";
import { checkCatalog, checkItem, defineCatalog } from "./catalog";
import type { Item } from "./config";
import { createVendorHandlers, type VendorHandlers } from "./handlers";

const vendor = generateKeyPair();
const vendorId = playerIdFor("vendor", vendor.publicKey);
const cent = { currency: "USD", value: "0.01" };
const good: Item = { id: "article-1", description: "Article one", amount: cent };

function thrown(f: () => unknown): QuickPayError {
  try {
    f();
  } catch (error) {
    if (error instanceof QuickPayError) return error;
    throw error;
  }
  throw new Error("expected a QuickPayError");
}

describe("checkItem", () => {
  it("accepts a valid micro item, with or without an explicit kind and receipt", () => {
    expect(checkItem(good)).toBeUndefined();
    expect(checkItem({ ...good, kind: "micro", receipt: { validForMs: 60_000 } })).toBeUndefined();
    expect(checkItem({ ...good, amount: { currency: "USD", value: "0.000001" } })).toBeUndefined();
  });

  it.each([
    ["a string amount", { ...good, amount: "0.01" }, /^amount: expected/],
    ["a number value", { ...good, amount: { currency: "USD", value: 0.01 } }, /^amount: expected/],
    [
      "a zero amount",
      { ...good, amount: { currency: "USD", value: "0" } },
      /^amount: must be more than zero/,
    ],
    ["too many decimals", { ...good, amount: { currency: "USD", value: "0.0000001" } }, /^amount: expected/],
    ["a lower-case currency", { ...good, amount: { currency: "usd", value: "0.01" } }, /^amount: expected/],
    [
      "past the protocol's limit",
      { ...good, amount: { currency: "USD", value: "99999999999999" } },
      /^amount: expected/,
    ],
    ["an empty description", { ...good, description: "" }, /^description: expected/],
    ["a 501-character description", { ...good, description: "x".repeat(501) }, /^description: at most 500/],
    ["an unknown kind", { ...good, kind: "subscription" }, /^kind: expected "micro" or "regular"/],
    ["a bad receipt policy", { ...good, receipt: { validForMs: -1 } }, /^receipt: expected/],
    ["an id with a space", { ...good, id: "article 1" }, /^id: expected/],
    ["a 78-character id", { ...good, id: "a".repeat(78) }, /^id: expected 1–77/],
  ])("refuses %s as invalid_catalog_item", (_name, item, problem) => {
    const found = checkItem(item);
    expect(found).toMatchObject({ code: "invalid_catalog_item" });
    expect(found?.problems).toEqual([expect.stringMatching(problem)]);
  });

  it("takes a 500-character description (the order schema's limit)", () => {
    expect(checkItem({ ...good, description: "x".repeat(500) })).toBeUndefined();
  });

  it("refuses a regular item as not_supported: regular orders are not built by this SDK yet", () => {
    expect(checkItem({ ...good, kind: "regular" })).toMatchObject({
      itemId: "article-1",
      code: "not_supported",
      problems: [expect.stringMatching(/not supported by this vendor SDK yet/)],
    });
    // Regular and otherwise broken: the breakage is what to fix first.
    expect(checkItem({ ...good, kind: "regular", amount: "3" })?.code).toBe("invalid_catalog_item");
  });

  it("refuses an answer for another id than the one asked for", () => {
    expect(checkItem(good, "article-2")?.problems).toEqual([
      'id: the catalogue answered item "article-1" when asked for "article-2"',
    ]);
  });
});

describe("checkCatalog / defineCatalog", () => {
  it("throws one invalid_catalog_item error listing every bad item", () => {
    const e = thrown(() =>
      checkCatalog([
        good,
        { id: "free", description: "Free", amount: { currency: "USD", value: "0" } },
        { id: "book", description: "A book", amount: { currency: "USD", value: "25.00" }, kind: "regular" },
        { id: "article-1", description: "Again", amount: cent },
      ] as Item[]),
    );
    expect(e.code).toBe("invalid_catalog_item");
    expect(e.status).toBe(500);
    expect(e.message).toMatch(/^3 catalogue items cannot be sold: free \(amount: must be more than zero/);
    expect(e.details).toEqual({
      items: [
        { itemId: "free", code: "invalid_catalog_item", problems: [expect.stringMatching(/more than zero/)] },
        { itemId: "book", code: "not_supported", problems: [expect.stringMatching(/not supported/)] },
        {
          itemId: "article-1",
          code: "invalid_catalog_item",
          problems: ['id: "article-1" appears more than once'],
        },
      ],
    });
  });

  it("defineCatalog returns a catalogue over the checked items", async () => {
    const catalog = defineCatalog([good]);
    expect(catalog.items).toEqual([good]);
    expect(await catalog.get("article-1")).toEqual(good);
    expect(await catalog.get("nope")).toBeUndefined();
    expect(thrown(() => defineCatalog([{ ...good, amount: "0.01" } as unknown as Item])).code).toBe(
      "invalid_catalog_item",
    );
  });

  it("createVendorHandlers refuses a listed catalogue with a bad item before serving anything", async () => {
    const hostUrl = await deadUrl();
    const e = thrown(() =>
      createVendorHandlers({
        vendorId,
        privateKey: vendor.privateKey,
        hostUrl,
        catalog: {
          items: [good, { ...good, id: "zero", amount: { currency: "USD", value: "0.00" } }],
          get: async () => good,
        },
        deliver: async () => ({ mediaType: "text/plain", body: "x" }),
        outboxTimer: false,
      }),
    );
    expect(e.code).toBe("invalid_catalog_item");
    expect(e.message).toMatch(/zero \(amount: must be more than zero/);
  });
});

describe("Get Order on a catalogue read item by item", () => {
  const shelf = new Map<string, unknown>([
    ["article-1", good],
    ["string-amount", { id: "string-amount", description: "Broken", amount: "0.01" }],
    ["zero", { id: "zero", description: "Free?", amount: { currency: "USD", value: "0" } }],
    [
      "book",
      {
        id: "book",
        description: "A printed book",
        amount: { currency: "USD", value: "25.00" },
        kind: "regular",
      },
    ],
  ]);
  const logged: { obj: Record<string, unknown>; msg: string | undefined }[] = [];
  let handlers: VendorHandlers;
  let served: Served;
  let endpoint: string;

  beforeAll(async () => {
    handlers = createVendorHandlers({
      vendorId,
      privateKey: vendor.privateKey,
      hostUrl: await deadUrl(),
      catalog: { get: async (id) => shelf.get(id) as Item | undefined },
      deliver: async () => ({ mediaType: "text/plain", body: "x" }),
      logger: {
        info() {},
        warn() {},
        error: (obj, msg) => logged.push({ obj: obj as Record<string, unknown>, msg }),
      },
      outboxTimer: false,
    });
    served = await serveFetch(
      async (req) => (await handlers.handle(req)) ?? new Response(null, { status: 404 }),
    );
    endpoint = `${served.url}/quickpay`;
  });
  afterAll(async () => {
    await handlers.close();
    await served.close();
  });

  it("signs an order for a valid item", async () => {
    const r = await postJson(`${endpoint}/v1/get-order`, { itemId: "article-1" });
    expect(r.status).toBe(200);
    expect(SignedOrder.parse(r.json).order.amount).toEqual(cent);
  });

  it.each([
    ["string-amount", 500, "invalid_catalog_item"],
    ["zero", 500, "invalid_catalog_item"],
    ["book", 501, "not_supported"],
  ])(
    "answers %s with %i %s in the error shape, logs the item, and signs nothing",
    async (itemId, status, code) => {
      const r = await postJson(`${endpoint}/v1/get-order`, { itemId });
      expect(r.status).toBe(status);
      expect(r.json).toEqual({
        error: {
          code,
          message: expect.stringContaining(itemId),
          details: { itemId, problems: [expect.any(String)] },
        },
      });
      expect(r.json.order).toBeUndefined();
      expect(logged.at(-1)).toMatchObject({
        obj: { itemId, code },
        msg: expect.stringContaining(`item ${itemId}`),
      });
    },
  );
});

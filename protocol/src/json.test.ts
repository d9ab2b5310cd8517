import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { getJson } from "./client";
import { QuickPayError } from "./errors";
import { MAX_JSON_DEPTH, parseJson } from "./json";

/** A JSON text as a tree of written members, so a test knows what the text says before any parser reads it. */
type Tree =
  | { kind: "object"; entries: { key: string; escaped: boolean; space: string; value: Tree }[] }
  | { kind: "array"; items: Tree[] }
  | { kind: "leaf"; value: string | number | boolean | null };

// Few, tricky characters: keys repeat often, and strings hold what a scanner could mistake for structure.
const tricky = fc.constantFrom("a", "b", "é", ":", '"', "\\", "{", "}", "[", "]", ",", " ", "\u2028");
const space = fc.constantFrom("", " ", "\n\t ");

const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({
      kind: fc.constant("leaf" as const),
      value: fc.oneof(
        fc.string({ unit: tricky, maxLength: 6 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
      ),
    }),
    fc.record({
      kind: fc.constant("object" as const),
      entries: fc.array(
        fc.record({
          key: fc.string({ unit: tricky, maxLength: 2 }),
          escaped: fc.boolean(),
          space,
          value: tie("tree"),
        }),
        { maxLength: 5 },
      ),
    }),
    fc.record({ kind: fc.constant("array" as const), items: fc.array(tie("tree"), { maxLength: 4 }) }),
  ),
}));

/** Writes the tree as JSON text; an escaped key spells every character as \uXXXX (the same key to a reader). */
function write(t: Tree): string {
  if (t.kind === "leaf") return JSON.stringify(t.value);
  if (t.kind === "array") return `[${t.items.map(write).join(",")}]`;
  const members = t.entries.map(({ key, escaped, space, value }) => {
    const name = escaped
      ? `"${[...key].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}"`
      : JSON.stringify(key);
    return `${space}${name}${space}:${space}${write(value)}${space}`;
  });
  return `{${members.join(",")}}`;
}

/** The oracle: does any object in the tree write one key twice? */
function repeatsAKey(t: Tree): boolean {
  if (t.kind === "leaf") return false;
  if (t.kind === "array") return t.items.some(repeatsAKey);
  const keys = t.entries.map((e) => e.key);
  return new Set(keys).size !== keys.length || t.entries.some((e) => repeatsAKey(e.value));
}

function refusal(text: string): QuickPayError {
  try {
    parseJson(text);
  } catch (error) {
    if (error instanceof QuickPayError) return error;
    throw error;
  }
  throw new Error(`parseJson accepted ${text}`);
}

describe("parseJson (I-JSON)", () => {
  it("refuses a text exactly when one of its objects repeats a key, and otherwise reads what JSON.parse reads", () => {
    fc.assert(
      fc.property(tree, (t) => {
        const text = write(t);
        if (repeatsAKey(t)) {
          expect(refusal(text).code).toBe("invalid_request");
          expect(refusal(text).message).toMatch(/^JSON repeats the key /);
        } else {
          expect(parseJson(text)).toEqual(JSON.parse(text));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("reads every JSON value without a repeated key as JSON.parse does", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify(value);
        // fast-check writes `__proto__` and `constructor` keys too: refused on purpose (tested below).
        fc.pre(!/"(__proto__|constructor)":/.test(text));
        expect(parseJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it("names the repeated key and where it is", () => {
    expect(refusal('{"a":1,"a":2}').message).toBe('JSON repeats the key "a" in body');
    expect(refusal('{"body":{"amount":{"value":"0.01","value":"100"}}}').message).toBe(
      'JSON repeats the key "value" in body.body.amount',
    );
    expect(refusal('{"x":[{}, {"k":1, "\\u006b":2}]}').message).toBe('JSON repeats the key "k" in body.x[1]');
  });

  it("cuts an echoed key short: a key can be as long as the body", () => {
    const key = "k".repeat(10_000);
    const message = refusal(`{"${key}":1,"${key}":2}`).message;
    expect(message.length).toBeLessThan(250);
    expect(message).toMatch(/^JSON repeats the key "k+…/);
  });

  it("is what the clients read replies with: a reply that repeats a key is refused, not read either way", async () => {
    const reply = (text: string) => async () =>
      new Response(text, { status: 200, headers: { "content-type": "application/json" } });
    const schema = z.object({ ok: z.boolean() });
    await expect(
      getJson("http://host.test/x", schema, { fetch: reply('{"ok":false,"ok":true}') }),
    ).rejects.toMatchObject({
      code: "internal",
      message: expect.stringMatching(/not I-JSON/),
    });
    expect(await getJson("http://host.test/x", schema, { fetch: reply('{"ok":true}') })).toEqual({
      ok: true,
    });
  });

  it("refuses prototype-poisoning keys, as fastify's secure-json-parse did", () => {
    for (const text of [
      '{"__proto__":{"polluted":true}}',
      '{"a":[{"\\u005f_proto__":1}]}',
      '{"constructor":{"prototype":{"polluted":true}}}',
    ]) {
      expect(refusal(text).message, text).toMatch(/may not carry the key/);
    }
    expect(parseJson('{"constructor":"a shop"}')).toEqual({ constructor: "a shop" });
    expect(parseJson('{"s":"__proto__"}')).toEqual({ s: "__proto__" });
  });

  it("refuses text that is not JSON and nesting deeper than any message", () => {
    for (const text of ["", "{bad json", '{"a":1', '{"a":1}x', "'a'"]) {
      expect(refusal(text).message, text).toMatch(/^body is not JSON/);
    }
    const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
    expect(parseJson(deep(MAX_JSON_DEPTH))).toBeDefined();
    expect(refusal(deep(MAX_JSON_DEPTH + 1)).message).toMatch(/nests deeper/);
    // A megabyte of nesting is refused by counting, never by recursing.
    expect(refusal(deep(500_000)).message).toMatch(/nests deeper/);
    expect(parseJson(`{"a":"${"[".repeat(1000)}"}`)).toEqual({ a: "[".repeat(1000) });
  });

  it("reads plain values and strings full of structure", () => {
    expect(parseJson("42")).toBe(42);
    expect(parseJson('"a:b"')).toBe("a:b");
    expect(parseJson("null")).toBe(null);
    expect(parseJson('{"a":"x\\\\","b":"\\":"}')).toEqual({ a: "x\\", b: '":' });
  });
});

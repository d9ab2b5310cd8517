/**
 * Generated bad inputs for every HTTP endpoint (issue 12): what an attacker sends a QuickPay server.
 * Every arbitrary here produces requests that must be refused — never a valid message — so "no state
 * change" is a fair demand of each one: garbage bytes, JSON of the wrong shape, envelopes with forged
 * or missing parts, properly signed envelopes whose body fails the message's schema, duplicate keys,
 * deep nesting, non-canonical keys, wrong content types.
 */
import { type MessageSpec, type Signer, signEnvelope } from "@quickpay/protocol";
import fc from "fast-check";

/** What to send, as data (fast-check generates and shrinks it); `toRequest` turns it into bytes. */
export type BadInput =
  | { kind: "bytes"; contentType: string | undefined; text: string }
  | { kind: "wrong shape"; contentType: string | undefined; value: unknown }
  | { kind: "deep nesting"; depth: number }
  | { kind: "non-canonical key"; key: string }
  | { kind: "envelope-ish"; value: Record<string, unknown> }
  | { kind: "invalid body"; value: unknown }
  | { kind: "signed, invalid body"; body: unknown }
  | { kind: "duplicate keys"; body: unknown; other: string };

export interface BadRequest {
  kind: BadInput["kind"];
  contentType: string | undefined;
  body: string;
}

const contentTypes = fc.constantFrom<string | undefined>(
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "application/x-www-form-urlencoded",
  undefined,
);

const base64urlChar = fc.constantFrom(
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split(""),
);

/** 43 base64url characters: the length of a 32-byte key, whatever its spare bits say. */
export const keyLike = fc.string({ unit: base64urlChar, minLength: 43, maxLength: 43 });

const anyJson = fc.jsonValue({ maxDepth: 4 });

/** Bad bodies for a POST route that receives no QuickPay message: bytes, JSON, deep nesting. */
export function badBodies(): fc.Arbitrary<BadInput> {
  return fc.oneof(
    fc.record({
      kind: fc.constant("bytes" as const),
      contentType: contentTypes,
      text: fc.string({ unit: "binary", maxLength: 300 }),
    }),
    fc.record({ kind: fc.constant("wrong shape" as const), contentType: contentTypes, value: anyJson }),
    fc.record({ kind: fc.constant("deep nesting" as const), depth: fc.integer({ min: 500, max: 30_000 }) }),
  );
}

/** The bad inputs for one message; `signed` when a registered sender of its kind can sign. */
export function badInputs(spec: MessageSpec, signed: boolean): fc.Arbitrary<BadInput> {
  const invalidBody = anyJson.filter((v) => !spec.body.safeParse(v).success);
  const cases: fc.Arbitrary<BadInput>[] = [
    fc.record({
      kind: fc.constant("bytes" as const),
      contentType: contentTypes,
      text: fc.string({ unit: "binary", maxLength: 300 }),
    }),
    fc.record({
      kind: fc.constant("wrong shape" as const),
      contentType: contentTypes,
      value: spec.auth === "envelope" ? anyJson : invalidBody,
    }),
    // Deep nesting within every body limit: a recursive parser must not fall over.
    fc.record({ kind: fc.constant("deep nesting" as const), depth: fc.integer({ min: 500, max: 30_000 }) }),
    // A key of the right length whose last character may carry spare bits: not a canonical encoding.
    fc.record({ kind: fc.constant("non-canonical key" as const), key: keyLike }),
  ];
  if (spec.auth === "envelope") {
    cases.push(
      fc.record({
        kind: fc.constant("envelope-ish" as const),
        value: fc.record(
          {
            type: fc.oneof(fc.constant(spec.type), fc.string({ maxLength: 30 }), anyJson),
            id: fc.oneof(fc.uuid(), fc.string({ maxLength: 80 }), anyJson),
            from: fc.oneof(fc.string({ maxLength: 40 }), anyJson),
            at: fc.oneof(
              fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
              fc.string(),
              anyJson,
            ),
            body: anyJson,
            sig: fc.oneof(keyLike, fc.string({ maxLength: 100 }), anyJson),
          },
          { requiredKeys: [] },
        ),
      }),
    );
  } else {
    cases.push(fc.record({ kind: fc.constant("invalid body" as const), value: invalidBody }));
  }
  if (signed) {
    cases.push(
      fc.record({ kind: fc.constant("signed, invalid body" as const), body: invalidBody }),
      fc.record({
        kind: fc.constant("duplicate keys" as const),
        body: invalidBody,
        other: fc.constantFrom("RegisterWallet", "SetPlayerStatus", spec.type),
      }),
    );
  }
  return fc.oneof(...cases);
}

/** The request for one bad input (signing where it needs a signature). */
export async function toRequest(
  spec: MessageSpec | undefined,
  signer: Signer | undefined,
  input: BadInput,
): Promise<BadRequest> {
  const json = (value: unknown): BadRequest => ({
    kind: input.kind,
    contentType: "application/json",
    body: JSON.stringify(value) ?? "null",
  });
  switch (input.kind) {
    case "bytes":
      return { kind: input.kind, contentType: input.contentType, body: input.text };
    case "wrong shape":
      return { ...json(input.value), contentType: input.contentType };
    case "deep nesting":
      return { ...json(null), body: "[".repeat(input.depth) + "]".repeat(input.depth) };
    case "non-canonical key": {
      const body = {
        publicKey: input.key,
        name: "x",
        origins: ["http://127.0.0.1:1"],
        endpoint: "http://127.0.0.1:1",
      };
      if (spec?.auth !== "envelope") return json(body);
      // As Register Wallet carries it: an envelope whose sender is named by the key in its body.
      return json({
        type: spec.type,
        id: "0190a5d2-7c3e-7000-8000-000000000000",
        from: "w_00000000000000000000000000000000",
        at: new Date().toISOString(),
        body,
        sig: `${input.key}${input.key}`,
      });
    }
    case "envelope-ish":
    case "invalid body":
      return json(input.value);
    case "signed, invalid body":
      return json(await signEnvelope(signer!, spec!.type, input.body));
    case "duplicate keys": {
      const text = JSON.stringify(await signEnvelope(signer!, spec!.type, input.body));
      // A second "type" first: JSON.parse keeps the last one, a strict reader refuses both.
      return { ...json(null), body: `{"type":${JSON.stringify(input.other)},${text.slice(1)}` };
    }
  }
}

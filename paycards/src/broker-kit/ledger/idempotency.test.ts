/**
 * `IdempotencyStore.once`: the reply and the message's effect in one IMMEDIATE transaction, on a real
 * SQLite file, from one connection and from two (two broker processes sharing the ledger).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Ledger } from ".";
import { AlreadyAnswered, type MessageKey } from "./idempotency";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const SENDER = `w_${"4".repeat(32)}`;

let dir: string;
let ledger: Ledger;
let other: Ledger;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "broker-idempotency-"));
  ledger = Ledger.open(join(dir, "ledger.sqlite"));
  other = Ledger.open(join(dir, "ledger.sqlite"));
});
afterEach(() => {
  other.close();
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

const key = (messageId: string, fingerprint = "body-0"): MessageKey => ({
  sender: SENDER,
  messageId,
  type: "InquiryPayment",
  fingerprint,
});

/** The effect a test message makes: one row in broker_meta. */
const effect = (l: Ledger, name: string) => () => {
  l.db.prepare("INSERT INTO broker_meta (key, value) VALUES (?, 'x')").run(name);
  return { statusCode: 200, response: { name } };
};
const effects = (l: Ledger) =>
  (l.db.prepare("SELECT COUNT(*) AS n FROM broker_meta WHERE key LIKE 'effect-%'").get() as { n: number }).n;

describe("IdempotencyStore.once", () => {
  it("records the reply with the effect; a second run of the id runs nothing and gets the stored reply", () => {
    expect(ledger.idempotency.once(key("m1"), T0, effect(ledger, "effect-1"))).toEqual({
      statusCode: 200,
      response: { name: "effect-1" },
    });
    let ran = false;
    const again = () => {
      ran = true;
      return effect(ledger, "effect-2")();
    };
    const thrown = (() => {
      try {
        ledger.idempotency.once(key("m1", "body-1"), T0, again);
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(AlreadyAnswered);
    expect((thrown as AlreadyAnswered).stored).toMatchObject({
      fingerprint: "body-0",
      statusCode: 200,
      response: { name: "effect-1" },
    });
    expect(ran).toBe(false);
    expect(effects(ledger)).toBe(1);
  });

  it("an effect that throws rolls back with its reply: nothing is kept, and the id can run again", () => {
    expect(() =>
      ledger.idempotency.once(key("m2"), T0, () => {
        effect(ledger, "effect-half")();
        throw new Error("halfway");
      }),
    ).toThrow("halfway");
    expect(effects(ledger)).toBe(0);
    expect(ledger.idempotency.get(SENDER, "m2")).toBeUndefined();
    ledger.idempotency.once(key("m2"), T0, effect(ledger, "effect-2"));
    expect(effects(ledger)).toBe(1);
  });

  it("a second connection on the same file finds the first's reply and runs nothing", () => {
    ledger.idempotency.once(key("m3"), T0, effect(ledger, "effect-3"));
    expect(() => other.idempotency.once(key("m3"), T0, effect(other, "effect-4"))).toThrow(AlreadyAnswered);
    expect(effects(other)).toBe(1);
    expect(other.idempotency.get(SENDER, "m3")).toMatchObject({ response: { name: "effect-3" } });
  });
});

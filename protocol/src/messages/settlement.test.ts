import { describe, expect, it } from "vitest";
import { generateKeyPair } from "../crypto";
import { playerIdFor } from "../ids";
import { signObject } from "../order";
import {
  assertSettlementStatement,
  type SettlementStatement,
  SignedSettlementStatement,
  settlementRoot,
} from "./settlement";

const a = "a".repeat(64);
const b = "b".repeat(64);

describe("settlement statements", () => {
  it("root the accepted digests as SHA-256 of their sorted canonical JSON array", () => {
    // Vectors from `sha256sum`: printf '[]' and printf '["aaa…a","bbb…b"]' (64 of each).
    expect(settlementRoot([])).toBe("4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945");
    expect(settlementRoot([b, a])).toBe("2ba3056e95d23c0c154eca683e330401c46e441d5074523e16349e29d7597a64");
    expect(settlementRoot([a, b])).toBe(settlementRoot([b, a]));
  });

  it("verify the broker's one signature and the root, and refuse either when wrong", async () => {
    const broker = generateKeyPair();
    const statement: SettlementStatement = {
      statementId: "s_0123456789abcdef",
      brokerId: playerIdFor("broker", broker.publicKey),
      vendorId: playerIdFor("vendor", generateKeyPair().publicKey),
      acceptedRoot: settlementRoot([a, b]),
      accepted: [a, b],
      total: { currency: "USD", value: "0.02" },
      rejected: [{ orderDigest: "c".repeat(64), code: "already_settled", reason: "settled before" }],
      settledAt: "2026-11-21T06:00:00.000Z",
    };
    const signed = SignedSettlementStatement.parse({
      statement,
      sig: await signObject(broker.privateKey, statement),
    });
    await expect(assertSettlementStatement(signed, broker.publicKey)).resolves.toBeUndefined();
    await expect(assertSettlementStatement(signed, generateKeyPair().publicKey)).rejects.toMatchObject({
      code: "bad_signature",
    });
    const badRoot = { ...statement, accepted: [a] };
    await expect(
      assertSettlementStatement(
        { statement: badRoot, sig: await signObject(broker.privateKey, badRoot) },
        broker.publicKey,
      ),
    ).rejects.toMatchObject({ code: "mismatch" });
  });
});

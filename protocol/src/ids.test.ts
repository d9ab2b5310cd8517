import { describe, expect, it } from "vitest";
import { generateKeyPair } from "./crypto";
import { signEnvelope } from "./envelope";
import { derivedMessageId, messageIdPattern, newId, newMessageId, playerIdFor } from "./ids";

describe("message ids", () => {
  it("are UUIDv7s that match the protocol's id pattern", () => {
    const id = newMessageId();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id).toMatch(messageIdPattern);
  });

  it("carry the time they were minted and sort in minting order", () => {
    const before = Date.now();
    const ids = Array.from({ length: 5_000 }, () => newMessageId());
    const after = Date.now();
    const millis = Number.parseInt(ids[0]!.replace(/-/g, "").slice(0, 12), 16);
    expect(millis).toBeGreaterThanOrEqual(before);
    expect(millis).toBeLessThanOrEqual(after);
    // Strictly increasing as text, also within one millisecond.
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("are what signEnvelope uses unless the caller names an id", async () => {
    const keys = generateKeyPair();
    const signer = { playerId: playerIdFor("wallet", keys.publicKey), privateKey: keys.privateKey };
    const minted = await signEnvelope(signer, "RegisterWallet", { publicKey: keys.publicKey });
    expect(minted.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    const named = await signEnvelope(
      signer,
      "RegisterWallet",
      { publicKey: keys.publicKey },
      { id: newId() },
    );
    expect(named.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("can be derived: the same seed and time give the same UUIDv7, carrying that time", () => {
    const at = "2026-11-21T12:00:00.123Z";
    const id = derivedMessageId("vendor/commit-1", at);
    expect(id).toBe(derivedMessageId("vendor/commit-1", new Date(at)));
    // Pinned: a derived id must not change between releases, or a resend would become a new message.
    expect(id).toBe("01a1fdfa-467b-7aaf-9977-060f98cfa52d");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id).toMatch(messageIdPattern);
    expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(Date.parse(at));
    expect(derivedMessageId("vendor/commit-2", at)).not.toBe(id);
    expect(derivedMessageId("vendor/commit-1", "2026-11-21T12:00:00.124Z") > id).toBe(true);
    expect(() => derivedMessageId("x", "not a time")).toThrow(RangeError);
  });
});

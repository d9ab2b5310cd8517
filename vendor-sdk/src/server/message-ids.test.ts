import { describe, expect, it } from "vitest";
import { derivedMessageId } from "./message-ids";

describe("the vendor's derived message ids", () => {
  const vendor = `v_${"1".repeat(32)}`;
  const createdAt = "2026-11-21T12:00:00.000Z";

  it("are the same for every resend of one message and differ between messages", () => {
    const id = derivedMessageId("register-delivery", vendor, "c_1", createdAt);
    expect(derivedMessageId("register-delivery", vendor, "c_1", createdAt)).toBe(id);
    expect(derivedMessageId("check-commit", vendor, "c_1", createdAt)).not.toBe(id);
    expect(derivedMessageId("register-delivery", vendor, "c_2", createdAt)).not.toBe(id);
  });

  it("carry the order's creation time, so later orders' messages sort later", () => {
    const id = derivedMessageId("register-delivery", vendor, "c_1", createdAt);
    expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(Date.parse(createdAt));
    expect(derivedMessageId("register-delivery", vendor, "c_0", "2026-11-21T12:00:00.001Z") > id).toBe(true);
  });
});

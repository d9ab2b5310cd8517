import { describe, expect, it } from "vitest";
import { buildButton, MAX_BUTTON_BYTES } from "./build";

describe("the button bundle", () => {
  it("is one small IIFE with no zod and no imports, defining <quickpay-button>", async () => {
    const { code, bytes } = await buildButton({ write: false });
    expect(bytes).toBeLessThan(MAX_BUTTON_BYTES);
    expect(code).toMatch(/^"use strict";\(\(\)=>\{/);
    expect(code).toContain("quickpay-button");
    expect(code).toContain("quickpay:requestProvider");
    expect(code).toContain("quickpay:progress");
    expect(code).not.toMatch(/\bimport\s*[({"']|require\(|ZodError|zod/);
  });

  it("carries the shopper's words from @quickpay/protocol/words (and nothing else of protocol)", async () => {
    const { code } = await buildButton({ write: false });
    expect(code).toContain("There is not enough money on your active Paycard for this.");
    // Protocol's schemas, canonical JSON and crypto stay out: only the words module is bundled.
    expect(code).not.toMatch(/canonicalize|ed25519|sha256|safeParse/i);
  });
});

import { describe, expect, it } from "vitest";
import { buildButton, MAX_BUTTON_BYTES } from "./build";

describe("the button bundle", () => {
  it("is one small IIFE with no zod and no imports, defining <quickpay-button>", async () => {
    const { code, bytes } = await buildButton({ write: false });
    expect(bytes).toBeLessThan(MAX_BUTTON_BYTES);
    expect(code).toMatch(/^"use strict";\(\(\)=>\{/);
    expect(code).toContain("quickpay-button");
    expect(code).toContain("quickpay:requestProvider");
    expect(code).not.toMatch(/\bimport\s*[({"']|require\(|ZodError|zod/);
  });
});

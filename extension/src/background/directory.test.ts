import type { DirectoryEntry, QuickPayError } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { assertVendorFor } from "./directory";

const vendor: DirectoryEntry = {
  id: `v_${"1".repeat(32)}`,
  kind: "vendor",
  publicKey: "A".repeat(43),
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

/** The registry of bundled Paycard modules, and that the browser entry pulls in no Node built-ins. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { paycardCodeFiles } from "./code-hash";
import { getPaycardModule, isPaycardModuleId, paycardModules } from "./index";

const here = dirname(fileURLToPath(import.meta.url));

describe("paycard registry", () => {
  it("finds every bundled module by the id its description carries", () => {
    for (const [id, module] of Object.entries(paycardModules)) {
      expect(module.description.moduleId).toBe(id);
      expect(module.certificate.certificate.moduleId).toBe(id);
      expect(getPaycardModule(id)).toBe(module);
    }
    expect(isPaycardModuleId("demo-bank")).toBe(true);
  });

  it("refuses an unknown module id with not_found", () => {
    expect(() => getPaycardModule("nope")).toThrow(expect.objectContaining({ code: "not_found" }));
    expect(isPaycardModuleId("toString")).toBe(false);
  });

  it("keeps module code browser-safe: no node: imports, no broker-kit imports", () => {
    const files = [
      ...paycardCodeFiles(join(here, "demo-bank", "module")).map((f) => join(here, "demo-bank", "module", f)),
      join(here, "index.ts"),
      join(here, "registry.ts"),
      join(here, "interface.ts"),
    ];
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      expect(text, file).not.toMatch(/from\s+["']node:/);
      expect(text, file).not.toMatch(/broker-kit|better-sqlite3|fastify|code-hash/);
    }
  });
});

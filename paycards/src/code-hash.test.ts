/** The code hash over a module folder: what it covers, and that it changes with any covered byte. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { paycardCodeFiles, paycardCodeHash } from "./code-hash";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "paycards-codehash-"));
  mkdirSync(join(dir, "lib"));
  writeFileSync(join(dir, "index.ts"), "export const a = 1;\n");
  writeFileSync(join(dir, "lib", "b.ts"), "export const b = 2;\n");
  writeFileSync(join(dir, "certificate.json"), "{}\n");
  writeFileSync(join(dir, "index.test.ts"), "test\n");
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("paycardCodeHash", () => {
  it("covers source files in sorted POSIX order, skipping the certificate and tests", () => {
    expect(paycardCodeFiles(dir)).toEqual(["index.ts", "lib/b.ts"]);
  });

  it("is a lower-case SHA-256 hex that ignores the certificate and tests", () => {
    const before = paycardCodeHash(dir);
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(dir, "certificate.json"), '{"changed":true}\n');
    writeFileSync(join(dir, "index.test.ts"), "changed\n");
    expect(paycardCodeHash(dir)).toBe(before);
  });

  it("changes when any covered byte, name or file changes", () => {
    const before = paycardCodeHash(dir);
    writeFileSync(join(dir, "lib", "b.ts"), "export const b = 3;\n");
    const edited = paycardCodeHash(dir);
    expect(edited).not.toBe(before);
    writeFileSync(join(dir, "lib", "c.ts"), "");
    expect(paycardCodeHash(dir)).not.toBe(edited);
  });

  it("keeps file boundaries unambiguous (moving bytes between files changes the hash)", () => {
    writeFileSync(join(dir, "index.ts"), "ab");
    writeFileSync(join(dir, "lib", "b.ts"), "c");
    const one = paycardCodeHash(dir);
    writeFileSync(join(dir, "index.ts"), "a");
    writeFileSync(join(dir, "lib", "b.ts"), "bc");
    expect(paycardCodeHash(dir)).not.toBe(one);
  });
});

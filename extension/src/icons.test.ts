/**
 * Every icon the manifest names is in the build's public folder, a PNG of the size it is listed
 * under (Chrome shows a grey puzzle piece for a missing one and blurs a wrongly sized one).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import manifest from "../../manifest.config";

const publicDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../public");

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = fs.readFileSync(file);
  expect(bytes.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  expect(bytes.subarray(12, 16).toString("latin1")).toBe("IHDR");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe("the Wallet's icons", () => {
  const m = manifest as unknown as {
    icons: Record<string, string>;
    action: { default_icon: Record<string, string> };
  };
  const listed = [...Object.entries(m.icons), ...Object.entries(m.action.default_icon)];

  it("lists the sizes Chrome asks for: 16, 32, 48 and 128, and a toolbar icon", () => {
    expect(Object.keys(m.icons).sort((a, b) => Number(a) - Number(b))).toEqual(["16", "32", "48", "128"]);
    expect(Object.keys(m.action.default_icon).length).toBeGreaterThan(0);
  });

  it.each(listed)("%spx: %s is a PNG of that size", (size, file) => {
    expect(pngSize(path.join(publicDir, file))).toEqual({ width: Number(size), height: Number(size) });
  });
});

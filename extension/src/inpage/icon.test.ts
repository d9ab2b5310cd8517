import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { QUICKPAY_ICON_DATA_URI, QUICKPAY_ICON_SVG } from "./icon";

const svgFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../icons/quickpay.svg");

describe("the announced icon", () => {
  it("is the Brand SVG (extension/icons/quickpay.svg) without its comment, as a data URI", () => {
    const file = fs
      .readFileSync(svgFile, "utf8")
      .replace(/<!--[\s\S]*?-->/g, "")
      .replace(/>\s+</g, "><")
      .trim();
    expect(QUICKPAY_ICON_SVG).toBe(file);
    expect(QUICKPAY_ICON_DATA_URI.startsWith("data:image/svg+xml,")).toBe(true);
    expect(decodeURIComponent(QUICKPAY_ICON_DATA_URI.slice("data:image/svg+xml,".length))).toBe(file);
  });
});

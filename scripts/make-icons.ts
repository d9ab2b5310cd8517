/**
 * Renders the Wallet's icon set from its one source, extension/icons/quickpay.svg, into
 * extension/public/icons/icon-<size>.png (the sizes Chrome asks a Manifest V3 extension for: 16 and
 * 32 for the toolbar, 48 for the extensions page, 128 for install and the store). Chrome takes no SVG
 * icons, so the PNGs are committed; run this by hand after changing the SVG:
 * `node --import tsx scripts/make-icons.ts`. Rendered by Debian's Chromium, transparent corners.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const svg = fs.readFileSync(path.join(root, "extension/icons/quickpay.svg"), "utf8");
const outDir = path.join(root, "extension/public/icons");
const ICON_SIZES = [16, 32, 48, 128] as const;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
try {
  fs.mkdirSync(outDir, { recursive: true });
  for (const size of ICON_SIZES) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    const sized = svg.replace(/width="24" height="24"/, `width="${size}" height="${size}"`);
    await page.setContent(`<html><body style="margin:0;background:transparent">${sized}</body></html>`);
    const file = path.join(outDir, `icon-${size}.png`);
    await page.screenshot({
      path: file,
      omitBackground: true,
      clip: { x: 0, y: 0, width: size, height: size },
    });
    await page.close();
    console.log(`${path.relative(root, file)} (${fs.statSync(file).size} bytes)`);
  }
} finally {
  await browser.close();
}

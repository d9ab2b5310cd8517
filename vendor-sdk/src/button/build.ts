/**
 * Bundling the pay button with esbuild (node only). Shared by `npm run build:button` and the demo
 * shop, which builds it in memory on start so it never serves a stale copy.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const buttonOutFile = path.join(packageDir, "dist", "quickpay-button.js");

/** Guards the promise that the button stays small; zod alone would be ~60 KB. */
export const MAX_BUTTON_BYTES = 16 * 1024;

export async function buildButton({ write = false }: { write?: boolean } = {}) {
  const result = await build({
    entryPoints: [path.join(packageDir, "src", "button", "entry.ts")],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["chrome110", "firefox110", "safari16"],
    minify: true,
    legalComments: "none",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.text;
  const bytes = Buffer.byteLength(code);
  if (bytes > MAX_BUTTON_BYTES) {
    throw new Error(
      `quickpay-button.js is ${bytes} bytes, more than ${MAX_BUTTON_BYTES}: did zod get bundled?`,
    );
  }
  if (write) {
    fs.mkdirSync(path.dirname(buttonOutFile), { recursive: true });
    // Write-then-rename, so a concurrent reader never sees half a file.
    const tmp = `${buttonOutFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, buttonOutFile);
  }
  return { code, bytes };
}

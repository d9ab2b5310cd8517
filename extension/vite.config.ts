/**
 * Builds the unpacked Wallet into `QUICKPAY_EXTENSION_OUT` (default extension/dist). Fixes the host
 * URL (`QUICKPAY_HOST_URL`) and each bundled Paycard module's code hash into the code, so the Wallet
 * can refuse a module whose certificate names different code (DESIGN §4.1 Add Paycard).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { crx } from "@crxjs/vite-plugin";
import { paycardCodeHash } from "@quickpay/paycards/code-hash";
import { defineConfig, type PluginOption, type UserConfig } from "vite";
import manifest from "../manifest.config";

const here = path.dirname(fileURLToPath(import.meta.url));
const paycardsSrc = path.resolve(here, "../paycards/src");

/** Every `paycards/src/<name>/module/` with a certificate.json: moduleId → code hash of that folder. */
async function bundledCodeHashes(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(paycardsSrc)) {
    const dir = path.join(paycardsSrc, name, "module");
    const certFile = path.join(dir, "certificate.json");
    if (!fs.existsSync(certFile)) continue;
    const { certificate } = JSON.parse(fs.readFileSync(certFile, "utf8")) as {
      certificate: { moduleId: string };
    };
    out[certificate.moduleId] = await paycardCodeHash(dir);
  }
  return out;
}

export default defineConfig(async (): Promise<UserConfig> => {
  const hostUrl = process.env.QUICKPAY_HOST_URL ?? "http://127.0.0.1:7700";
  const outDir = path.resolve(process.env.QUICKPAY_EXTENSION_OUT ?? path.join(here, "dist"));
  const codeHashes = await bundledCodeHashes();
  const { version } = JSON.parse(fs.readFileSync(path.join(here, "package.json"), "utf8")) as {
    version: string;
  };
  return {
    root: here,
    define: {
      __QUICKPAY_HOST_URL__: JSON.stringify(hostUrl.replace(/\/+$/, "")),
      __QUICKPAY_CODE_HASHES__: JSON.stringify(codeHashes),
      __QUICKPAY_VERSION__: JSON.stringify(version),
    },
    esbuild: { jsx: "automatic" },
    // crxjs resolves its own (newer) vite type package; at runtime it drives this vite 7 build.
    plugins: [crx({ manifest }) as unknown as PluginOption],
    build: {
      outDir,
      emptyOutDir: true,
      target: "chrome120",
      rollupOptions: {
        input: { confirm: path.join(here, "confirm.html"), onboarding: path.join(here, "onboarding.html") },
        onwarn(warning, warn) {
          // zod and @scure/base carry /* @__PURE__ */ comments rollup cannot place; harmless noise.
          if (warning.code === "INVALID_ANNOTATION") return;
          warn(warning);
        },
      },
    },
    logLevel: "warn",
  };
});

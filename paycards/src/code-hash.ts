/**
 * The code hash a broker signs in a Paycard module's certificate (node only: reads the module folder).
 *
 * Why: MV3 forbids remote code, so every Paycard module is bundled into the Wallet at build time. The
 * broker signs `{ moduleId, version, codeHash, brokerId }` ahead of the build; the Wallet build
 * recomputes this hash over the same folder and refuses a certificate that does not match, so a
 * Wallet never ships module code its broker did not sign.
 *
 * Algorithm (the extension build must compute exactly this — it can simply import this function):
 * list every file below `moduleDir` recursively, skipping `certificate.json` (it carries the hash),
 * tests (`*.test.ts`, `*.test.tsx`) and dot-files; sort by relative POSIX path (JS string order); then
 * SHA-256 over, for each file, `utf8(path) 0x00 decimal(byteLength) 0x00 bytes`; lower-case hex.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

export const CERTIFICATE_FILE = "certificate.json";

/** True for files that are part of the signed module code. */
export function isModuleCodeFile(relativePath: string): boolean {
  const name = relativePath.split("/").pop() ?? "";
  if (relativePath === CERTIFICATE_FILE) return false;
  if (name.startsWith(".")) return false;
  return !/\.test\.tsx?$/.test(name);
}

/** Relative POSIX paths of the files the code hash covers, in hashing order. */
export function paycardCodeFiles(moduleDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith(".") && entry.name !== "node_modules") walk(full);
      } else if (entry.isFile()) {
        const rel = relative(moduleDir, full).split(sep).join("/");
        if (isModuleCodeFile(rel)) out.push(rel);
      }
    }
  };
  walk(moduleDir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** SHA-256 (lower-case hex) over the module folder's code, as described above. */
export function paycardCodeHash(moduleDir: string): string {
  const hash = createHash("sha256");
  for (const rel of paycardCodeFiles(moduleDir)) {
    const bytes = readFileSync(join(moduleDir, rel));
    hash.update(Buffer.from(rel, "utf8"));
    hash.update(Buffer.from([0]));
    hash.update(Buffer.from(String(bytes.byteLength), "utf8"));
    hash.update(Buffer.from([0]));
    hash.update(bytes);
  }
  return hash.digest("hex");
}

/** The demo shop's vendor key: kept in its data dir so the shop keeps its vendor id across restarts. */
import fs from "node:fs";
import path from "node:path";
import { generateKeyPair, type KeyPair, PublicKey, publicKeyFromPrivate } from "@quickpay/protocol";

export function loadOrCreateVendorKey(dataDir: string | undefined): KeyPair {
  if (!dataDir) return generateKeyPair();
  const file = path.join(dataDir, "vendor-key.json");
  if (fs.existsSync(file)) {
    const stored = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<KeyPair>;
    if (typeof stored.privateKey !== "string") throw new Error(`${file} holds no privateKey`);
    const publicKey = publicKeyFromPrivate(stored.privateKey);
    PublicKey.parse(publicKey);
    return { privateKey: stored.privateKey, publicKey };
  }
  const keys = generateKeyPair();
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

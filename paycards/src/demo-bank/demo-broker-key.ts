/**
 * The demo bank's broker key pair. DEMO ONLY: it is committed to the repository (so the module
 * certificate can be signed ahead of the build) and therefore public. A real broker keeps its key
 * out of the source tree and signs its module's certificate in its own release process.
 */
import { type KeyPair, playerIdFor, publicKeyFromPrivate } from "@quickpay/protocol";
import key from "./demo-broker-key.json";

export const demoBrokerKey: KeyPair & { brokerId: string } = (() => {
  // Derive rather than trust the JSON's copies, so an edited file cannot mismatch silently.
  const publicKey = publicKeyFromPrivate(key.privateKey);
  return { privateKey: key.privateKey, publicKey, brokerId: playerIdFor("broker", publicKey) };
})();

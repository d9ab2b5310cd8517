/**
 * Signs the demo bank Paycard module's certificate with the committed DEMO broker key (node only).
 * Run `npm run sign-module -w @quickpay/paycards` after changing anything in `demo-bank/module/`.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type SignedPaycardCertificate, signPaycardCertificate } from "@quickpay/protocol";
import { CERTIFICATE_FILE, paycardCodeHash } from "../code-hash";
import { demoBrokerKey } from "./demo-broker-key";
import { DEMO_BANK_MODULE_ID, DEMO_BANK_MODULE_VERSION } from "./module/meta";

export const demoBankModuleDir = join(dirname(fileURLToPath(import.meta.url)), "module");
export const demoBankCertificatePath = join(demoBankModuleDir, CERTIFICATE_FILE);

/** The certificate the demo broker would sign for the module as it is on disk now. */
export async function signDemoBankCertificate(): Promise<SignedPaycardCertificate> {
  return signPaycardCertificate(demoBrokerKey.privateKey, {
    moduleId: DEMO_BANK_MODULE_ID,
    version: DEMO_BANK_MODULE_VERSION,
    codeHash: paycardCodeHash(demoBankModuleDir),
    brokerId: demoBrokerKey.brokerId,
  });
}

export async function writeDemoBankCertificate(): Promise<SignedPaycardCertificate> {
  const signed = await signDemoBankCertificate();
  writeFileSync(demoBankCertificatePath, `${JSON.stringify(signed, null, 2)}\n`);
  return signed;
}

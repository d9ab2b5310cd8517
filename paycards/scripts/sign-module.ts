/** `npm run sign-module -w @quickpay/paycards`: re-signs the demo bank module's certificate. */
import { demoBankCertificatePath, writeDemoBankCertificate } from "../src/demo-bank/sign-certificate";

const signed = await writeDemoBankCertificate();
console.log(`signed ${signed.certificate.moduleId} ${signed.certificate.version}`);
console.log(`  codeHash ${signed.certificate.codeHash}`);
console.log(`  brokerId ${signed.certificate.brokerId}`);
console.log(`  → ${demoBankCertificatePath}`);

/**
 * The demo bank module's committed certificate still matches its code. When this fails, run
 * `npm run sign-module -w @quickpay/paycards` and commit the new `certificate.json`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { assertCertificateSignature, playerIdFor, SignedPaycardCertificate } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { paycardCodeHash } from "../code-hash";
import { demoBrokerKey } from "./demo-broker-key";
import { DEMO_BANK_MODULE_ID, DEMO_BANK_MODULE_VERSION, demoBankPaycard } from "./module";
import { demoBankModuleDir } from "./sign-certificate";

const onDisk = SignedPaycardCertificate.parse(
  JSON.parse(readFileSync(join(demoBankModuleDir, "certificate.json"), "utf8")),
);

describe("demo bank module certificate", () => {
  it("matches the module source (re-sign with `npm run sign-module -w @quickpay/paycards`)", () => {
    expect(onDisk.certificate.codeHash, "module code changed since the certificate was signed").toBe(
      paycardCodeHash(demoBankModuleDir),
    );
  });

  it("names the module, its version and the demo broker, and carries a valid broker signature", async () => {
    expect(onDisk.certificate).toMatchObject({
      moduleId: DEMO_BANK_MODULE_ID,
      version: DEMO_BANK_MODULE_VERSION,
      brokerId: playerIdFor("broker", demoBrokerKey.publicKey),
    });
    await assertCertificateSignature(onDisk, demoBrokerKey.publicKey);
    expect(demoBankPaycard.certificate).toEqual(onDisk);
    expect(demoBankPaycard.description.brokerId).toBe(onDisk.certificate.brokerId);
  });

  it("refuses a certificate whose code hash was edited", async () => {
    const forged = { ...onDisk, certificate: { ...onDisk.certificate, codeHash: "0".repeat(64) } };
    await expect(assertCertificateSignature(forged, demoBrokerKey.publicKey)).rejects.toMatchObject({
      code: "bad_signature",
    });
  });
});

/** The demo bank Paycard's identity: read by the module and by the signing script (no JSON import here). */
export const DEMO_BANK_MODULE_ID = "demo-bank";
/** Bump when the module's behaviour changes; the certificate signs it together with the code hash. */
export const DEMO_BANK_MODULE_VERSION = "1.0.0";
export const DEMO_BANK_NAME = "Demo Bank";

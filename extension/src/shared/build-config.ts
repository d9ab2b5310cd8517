/** Values fixed when the extension is built (vite `define`), see extension/vite.config.ts. */
declare const __QUICKPAY_HOST_URL__: string;
declare const __QUICKPAY_CODE_HASHES__: Record<string, string>;
declare const __QUICKPAY_VERSION__: string;

/** The System Host this Wallet talks to (`QUICKPAY_HOST_URL` at build time). */
export const HOST_URL: string = __QUICKPAY_HOST_URL__;
/** moduleId → SHA-256 of each bundled Paycard module's source, computed by the build. */
export const PAYCARD_CODE_HASHES: Record<string, string> = __QUICKPAY_CODE_HASHES__;
export const WALLET_VERSION: string = __QUICKPAY_VERSION__;

/** Builds the pay button into `dist/quickpay-button.js`: one small IIFE with no runtime dependencies. */
import { buildButton, buttonOutFile } from "../src/button/build";

const { bytes } = await buildButton({ write: true });
console.log(`built ${buttonOutFile} (${bytes} bytes)`);

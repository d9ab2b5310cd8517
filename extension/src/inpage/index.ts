/** MAIN-world content script entry (document_start): defines `window.quickpay`. */
import { installProvider } from "./provider";

installProvider(window);

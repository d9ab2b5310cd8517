/** The bundle's entry point (`dist/quickpay-button.js`): start the button on the page. */
import { autoStart } from "./index";

autoStart();

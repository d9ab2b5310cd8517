/** onboarding.html entry: the page the Wallet opens once, when it is installed. */
import { mount } from "../shared/mount";
import { Onboarding } from "./Onboarding";

mount(<Onboarding />);

/** options.html entry. */
import { mount } from "../shared/mount";
import { Options } from "./Options";

mount(<Options />);

/** popup.html entry. */
import { mount } from "../shared/mount";
import { Popup } from "./Popup";

mount(<Popup />);

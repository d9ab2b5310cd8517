/** confirm.html entry: `confirm.html?id=<the queue's head when the window opened>`. */
import "./confirm.css";
import { mount } from "../shared/mount";
import { Confirm } from "./Confirm";

mount(<Confirm id={new URLSearchParams(location.search).get("id") ?? ""} />);

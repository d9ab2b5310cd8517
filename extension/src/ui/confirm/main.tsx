/** confirm.html entry: `confirm.html?id=<purchase id>`. */
import { mount } from "../shared/mount";
import { Confirm } from "./Confirm";

mount(<Confirm id={new URLSearchParams(location.search).get("id") ?? ""} />);

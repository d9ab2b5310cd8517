/** The demo bank Paycard passes the conformance kit against its real broker and a real host. */
import { startHost } from "@quickpay/host-server";
import { describePaycardConformance } from "../test-kit";
import { demoBankPaycard } from "./module";
import { startDemoBank } from "./server";
import { demoBankModuleDir } from "./sign-certificate";

describePaycardConformance("demo-bank", async () => {
  const host = await startHost();
  const bank = await startDemoBank({ hostUrl: host.url, operatorToken: host.operatorToken });
  return {
    module: demoBankPaycard,
    hostUrl: host.url,
    answers: {
      right: { accountNumber: "1000-0002", pin: "4321" },
      wrong: { accountNumber: "1000-0002", pin: "9999" },
    },
    // Bob Demo holds $0.50.
    amounts: {
      affordable: { currency: "USD", value: "0.10" },
      unaffordable: { currency: "USD", value: "0.31" },
    },
    moduleDir: demoBankModuleDir,
    async close() {
      await bank.close();
      await host.close();
    },
  };
});

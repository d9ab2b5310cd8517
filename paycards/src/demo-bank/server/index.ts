/** `@quickpay/paycards/demo-bank/server`: the demo bank's broker server (node only). */

export { demoBrokerKey } from "../demo-broker-key";
export { type DemoAccount, demoAccounts, normalizeDemoAccountNumber, seedDemoAccounts } from "./accounts";
export { type DemoBankOptions, type LiveAccount, type RunningBroker, startDemoBank } from "./start";

/** @quickpay/host-server — the System Host. `startHost` runs one on loopback (tests, e2e, demo, main). */

export { type ProofServer, sharedProofServer, startProofServer } from "./proof-server";
export type { HostOptions, RunningHost } from "./start";
export { startHost } from "./start";
export type { HostStore } from "./store/types";

// The envelope thread's entry: loads the TypeScript sources through tsx (no build step), as
// bin/quickpay-host.mjs does, then serves verification jobs (envelope-thread.ts).
import { register } from "tsx/esm/api";

register();
const { serveEnvelopes } = await import("./envelope-thread.ts");
serveEnvelopes();

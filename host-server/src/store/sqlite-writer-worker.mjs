// The SQLite writer thread's entry: loads the TypeScript sources through tsx (no build step), the
// same way bin/quickpay-host.mjs does, then serves `apply` batches (sqlite-writer.ts).
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { serveWriter } = await import("./sqlite-writer.ts");
serveWriter(workerData);

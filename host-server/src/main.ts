/** `tsx src/main.ts` — runs a host from environment and flags; wiring only (see config.ts). */
import cluster from "node:cluster";
import { runClusterPrimary, runClusterWorker } from "./cluster";
import { parseHostConfig } from "./config";
import { startHost } from "./start";

try {
  const { workers = 1, ...config } = parseHostConfig(process.argv.slice(2), process.env);
  if (cluster.isWorker) await runClusterWorker(config);
  else if (workers > 1) await runClusterPrimary(config, workers);
  else {
    const host = await startHost(config);
    console.log(`QuickPay host ${host.hostId} listening on ${host.url}`);
    if (!config.operatorToken) console.log(`operator token: ${host.operatorToken}`);
    const stop = async () => {
      await host.close();
      process.exit(0);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  }
} catch (error) {
  console.error(`quickpay host: ${(error as Error).message}`);
  process.exit(2);
}

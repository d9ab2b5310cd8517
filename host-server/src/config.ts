/**
 * Host configuration from flags and environment (flags win): HOST_PORT/--port, HOST_BIND/--host,
 * HOST_DB/--db, DATABASE_URL/--database-url, OPERATOR_TOKEN/--operator-token, LOG_LEVEL/--log-level,
 * HOST_RATE_LIMIT/--rate-limit ("<per second>/<burst>", per player), HOST_WORKERS/--workers
 * (processes sharing the port, `cluster.ts`), HOST_VERIFY_THREADS/--verify-threads (signature threads),
 * HOST_LOOPBACK_VENDORS/--loopback-vendors ("on" | "off", default off: Register Vendor's loopback mode,
 * for the demo and tests only — a public host often binds loopback behind a proxy, so it is never
 * inferred from the bind address here).
 * Bad values fail with a message naming the setting.
 */
import { parseArgs } from "node:util";
import type { HostOptions } from "./start";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export function parseHostConfig(argv: string[], env: NodeJS.ProcessEnv): HostOptions & { workers?: number } {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      db: { type: "string" },
      "database-url": { type: "string" },
      "operator-token": { type: "string" },
      "log-level": { type: "string" },
      "rate-limit": { type: "string" },
      workers: { type: "string" },
      "verify-threads": { type: "string" },
      "loopback-vendors": { type: "string" },
    },
    strict: true,
  });
  const portText = values.port ?? env.HOST_PORT ?? "7700";
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new Error(`HOST_PORT / --port must be a port number 0–65535, got "${portText}"`);
  }
  const logLevel = values["log-level"] ?? env.LOG_LEVEL ?? "info";
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new Error(`LOG_LEVEL / --log-level must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
  }
  const databaseUrl = values["database-url"] ?? env.DATABASE_URL;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error("DATABASE_URL / --database-url must start with postgres:// or postgresql://");
  }
  const operatorToken = values["operator-token"] ?? env.OPERATOR_TOKEN;
  if (operatorToken !== undefined && operatorToken.length < 16) {
    throw new Error("OPERATOR_TOKEN / --operator-token must be at least 16 characters");
  }
  const rateText = values["rate-limit"] ?? env.HOST_RATE_LIMIT;
  const rate = rateText === undefined ? undefined : /^(\d{1,7})\/(\d{1,7})$/.exec(rateText);
  if (rate === null || (rate && (Number(rate[1]) < 1 || Number(rate[2]) < 1))) {
    throw new Error(
      `HOST_RATE_LIMIT / --rate-limit must look like "1000/2000" (per second/burst), got "${rateText}"`,
    );
  }
  const workersText = values.workers ?? env.HOST_WORKERS;
  if (workersText !== undefined && !/^([1-9]|[1-5]\d|6[0-4])$/.test(workersText)) {
    throw new Error(`HOST_WORKERS / --workers must be a number of processes 1–64, got "${workersText}"`);
  }
  const threadsText = values["verify-threads"] ?? env.HOST_VERIFY_THREADS;
  if (threadsText !== undefined && !/^([0-9]|1[0-6])$/.test(threadsText)) {
    throw new Error(`HOST_VERIFY_THREADS / --verify-threads must be 0–16, got "${threadsText}"`);
  }
  const loopbackText = values["loopback-vendors"] ?? env.HOST_LOOPBACK_VENDORS ?? "off";
  if (loopbackText !== "on" && loopbackText !== "off") {
    throw new Error(
      `HOST_LOOPBACK_VENDORS / --loopback-vendors must be "on" or "off", got "${loopbackText}"`,
    );
  }
  return {
    ...(threadsText ? { verifyThreads: Number(threadsText) } : {}),
    ...(workersText ? { workers: Number(workersText) } : {}),
    ...(rate ? { rateLimit: { perSecond: Number(rate[1]), burst: Number(rate[2]) } } : {}),
    port: Number(portText),
    host: values.host ?? env.HOST_BIND ?? "127.0.0.1",
    dbPath: values.db ?? env.HOST_DB ?? "quickpay-host.db",
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(operatorToken ? { operatorToken } : {}),
    logLevel,
    loopbackVendors: loopbackText === "on",
  };
}

/** Host configuration from flags and environment, with clear errors for bad values. */
import { describe, expect, it } from "vitest";
import { parseHostConfig } from "./config";

describe("parseHostConfig", () => {
  it("reads the environment, and flags win", () => {
    expect(parseHostConfig([], { HOST_PORT: "8080", HOST_DB: "/tmp/x.db", LOG_LEVEL: "warn" })).toEqual({
      port: 8080,
      host: "127.0.0.1",
      dbPath: "/tmp/x.db",
      logLevel: "warn",
      loopbackVendors: false,
    });
    const flagged = parseHostConfig(["--port", "9000", "--database-url", "postgres://u@h/db"], {
      HOST_PORT: "8080",
      OPERATOR_TOKEN: "0123456789abcdef",
    });
    expect(flagged).toMatchObject({
      port: 9000,
      databaseUrl: "postgres://u@h/db",
      operatorToken: "0123456789abcdef",
    });
  });

  it("names the setting when a value is bad", () => {
    expect(() => parseHostConfig([], { HOST_PORT: "70000" })).toThrow(/HOST_PORT/);
    expect(() => parseHostConfig([], { LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL/);
    expect(() => parseHostConfig([], { DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(() => parseHostConfig([], { OPERATOR_TOKEN: "short" })).toThrow(/OPERATOR_TOKEN/);
    expect(() => parseHostConfig(["--nope"], {})).toThrow();
    expect(() => parseHostConfig([], { HOST_RATE_LIMIT: "fast" })).toThrow(/HOST_RATE_LIMIT/);
    expect(() => parseHostConfig(["--rate-limit", "0/5"], {})).toThrow(/rate-limit/);
    expect(parseHostConfig(["--rate-limit", "50/100"], {}).rateLimit).toEqual({ perSecond: 50, burst: 100 });
    expect(() => parseHostConfig([], { HOST_WORKERS: "0" })).toThrow(/HOST_WORKERS/);
    expect(() => parseHostConfig([], { HOST_VERIFY_THREADS: "lots" })).toThrow(/HOST_VERIFY_THREADS/);
    expect(parseHostConfig(["--workers", "2"], { HOST_VERIFY_THREADS: "0" })).toMatchObject({
      workers: 2,
      verifyThreads: 0,
    });
  });

  it("keeps Register Vendor's loopback mode off unless it is asked for, whatever the bind address", () => {
    expect(parseHostConfig([], { HOST_BIND: "127.0.0.1" }).loopbackVendors).toBe(false);
    expect(parseHostConfig([], { HOST_LOOPBACK_VENDORS: "on" }).loopbackVendors).toBe(true);
    expect(
      parseHostConfig(["--loopback-vendors", "off"], { HOST_LOOPBACK_VENDORS: "on" }).loopbackVendors,
    ).toBe(false);
    expect(() => parseHostConfig([], { HOST_LOOPBACK_VENDORS: "yes" })).toThrow(/HOST_LOOPBACK_VENDORS/);
  });
});

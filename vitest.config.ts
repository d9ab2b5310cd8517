import { defineConfig } from "vitest/config";

// One Vitest run covers unit and integration tests of every package; e2e lives in Playwright.
export default defineConfig({
  test: {
    include: [
      "{protocol,paycards,host-server,vendor-sdk,extension}/src/**/*.test.{ts,tsx}",
      // The process harness the demo and the e2e network share (real player processes).
      "scripts/**/*.test.ts",
    ],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});

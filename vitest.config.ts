import { defineConfig } from "vitest/config";

// One Vitest run covers unit and integration tests of every package; e2e lives in Playwright.
export default defineConfig({
  test: {
    include: ["{protocol,paycards,host-server,vendor-sdk,extension}/src/**/*.test.{ts,tsx}"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});

import { defineConfig } from "@playwright/test";

// Each journey launches its own Chromium with a fresh profile and the built Wallet; the network of
// servers is shared (started once by global-setup). Serial: two cores, one browser at a time.
export default defineConfig({
  testDir: "./journeys",
  globalSetup: "./global-setup.ts",
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [["list"]] : [["list"]],
  outputDir: "./test-results",
  use: { trace: "retain-on-failure", screenshot: "only-on-failure" },
});

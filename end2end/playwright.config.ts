import { defineConfig } from '@playwright/test';

const CI = !!process.env.CI;

// The event sink (tools/event-sink.mjs) stands in for the analytics backend. The demo
// storefront sends its events to http://127.0.0.1:8787/v1/events, so every test run
// needs it, the storefront tests included. Workers inherit SINK_URL from here.
const SINK_URL = (process.env.SINK_URL || `http://127.0.0.1:${process.env.SINK_PORT || 8787}`).replace(/\/+$/, '');
process.env.SINK_URL = SINK_URL;
const SINK_PORT = new URL(SINK_URL).port || '80';

/** A phone, as the creators' shoppers mostly are (shared by both projects). */
const phone = {
  browserName: 'chromium' as const,
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
};

export default defineConfig({
  testDir: 'tests',
  forbidOnly: CI,
  retries: CI ? 1 : 0,
  workers: 2,
  fullyParallel: false,
  reporter: 'list',
  // No webServer for the site: the test script serves the built site and passes BASE_URL.
  // The event sink is started here, before any test, and stopped after the run.
  // In the collector phase (scripts/test.sh) the real collector holds that port instead.
  webServer: process.env.COLLECTOR_PHASE ? undefined : {
    name: 'event-sink',
    command: 'node tools/event-sink.mjs',
    env: { SINK_PORT },
    url: `${SINK_URL}/__events`,
    // scripts/test.sh starts the sink itself (and stops it by PID); reuse it.
    reuseExistingServer: true,
    stdout: 'pipe',
    timeout: 15_000,
    gracefulShutdown: { signal: 'SIGTERM', timeout: 3_000 },
  },
  use: {
    baseURL: process.env.BASE_URL || 'http://127.0.0.1:8791',
    locale: 'en-GB',
    timezoneId: 'Europe/London',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1',
      ],
    },
  },
  projects: [
    {
      // Everything a shopper sees. These pages send events to the sink too (it just
      // records them); the tracking tests reset it before they look.
      name: 'storefront',
      testIgnore: ['tracking/**', 'collector/**', 'subpath/**', 'brand/**', 'offline/**/*.tracked.spec.ts'],
      use: phone,
    },
    {
      // Event delivery, against the one shared sink: after the storefront tests (so no
      // other page is sending), one test at a time (each spec file also runs serially).
      // Offline tests that count events at the sink (`offline/*.tracked.spec.ts`) too.
      name: 'tracking',
      testMatch: ['tracking/**/*.spec.ts', 'offline/**/*.tracked.spec.ts'],
      dependencies: ['storefront'],
      fullyParallel: false,
      workers: 1,
      use: phone,
    },
    {
      // The journey into the real collector (collector/): scripts/test.sh runs this
      // project alone, with the collector on the event sink's port.
      name: 'collector',
      testMatch: 'collector/**/*.spec.ts',
      testIgnore: 'collector/brand-*.spec.ts',
      workers: 1,
      use: phone,
    },
    {
      // Brand mode into the same collector, after the demo journey: its JUNO15 sale must
      // stay out of the brand affiliate Juno's figures (same code text, other storefront).
      // scripts/test.sh runs this project, which runs `collector` first.
      name: 'collector-brand',
      testMatch: 'collector/brand-*.spec.ts',
      dependencies: ['collector'],
      workers: 1,
      use: phone,
    },
    {
      // Brand mode: demo/brand.json built and served at BRAND_URL, its events going to
      // the sink; scripts/test.sh builds it and runs this project alone.
      name: 'brand',
      testMatch: 'brand/**/*.spec.ts',
      workers: 1,
      use: phone,
    },
    {
      // The demo built for https://juno.github.io/shop/ and served under /shop/
      // (SUBPATH_URL): scripts/test.sh builds it and runs this project alone.
      name: 'subpath',
      testMatch: 'subpath/**/*.spec.ts',
      workers: 1,
      use: phone,
    },
  ],
});

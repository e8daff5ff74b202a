// Helpers of the offline tests: the service worker written by `linkshelf bake`
// (src/build/offline.rs, src/build/sw.js) and what it keeps in Cache Storage.
import { expect } from '../fixtures';
import { chromium, type BrowserContext, type Page, type TestInfo } from '@playwright/test';

/**
 * Waits until a service worker controls the page: registered once the app has started
 * and the page has loaded, installed (its precache complete: install is all or
 * nothing) and in charge (`clients.claim`).
 */
export async function waitForWorker(page: Page, timeout = 60_000) {
  await page.waitForFunction(() => !!navigator.serviceWorker?.controller, undefined, { timeout, polling: 250 });
}

/** Every entry of every cache of the page's origin: the cache's name and the URL. */
export function cacheEntries(page: Page): Promise<{ cache: string; url: string; responseUrl: string }[]> {
  return page.evaluate(async () => {
    const entries: { cache: string; url: string; responseUrl: string }[] = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        const response = await cache.match(request);
        entries.push({ cache: name, url: request.url, responseUrl: response?.url ?? '' });
      }
    }
    return entries;
  });
}

/** The version the built site's worker carries (`const VERSION = '…'`). */
export function versionOf(workerSource: string): string {
  const version = /const VERSION = '([0-9a-f]{16})';/.exec(workerSource)?.[1];
  if (!version) throw new Error('sw.js names no version');
  return version;
}

/**
 * A request the worker has no saved copy of: whether the network answered. Proves the
 * browser's offline switch reaches the worker's own requests too (not only the page's).
 */
export function probeNetwork(page: Page): Promise<'answered' | 'failed'> {
  return page.evaluate(() =>
    fetch(`${document.querySelector('link[rel="manifest"]')?.getAttribute('href')?.replace(/manifest\.webmanifest$/, '') ?? '/'}robots.txt?probe=${Date.now()}`, {
      cache: 'no-store',
    }).then(
      (r) => (r.ok ? ('answered' as const) : ('failed' as const)),
      () => 'failed' as const,
    ),
  );
}

/**
 * What Chromium logs while offline: a request the worker answered with a network error
 * (a picture never seen, the collector) and the worker's own note on it. Nothing else
 * may be logged. ONE pattern (see sink.ts, COLLECTOR_NETWORK_LOGS).
 */
export const OFFLINE_LOGS: RegExp[] = [
  new RegExp(
    [
      String.raw`^Failed to load resource: net::ERR_(?:FAILED|INTERNET_DISCONNECTED)\b`,
      String.raw`^The FetchEvent for ".*" resulted in a network error response`,
      String.raw`^(?:(?:POST|GET) )?http://127\.0\.0\.1:\d+/\S* net::ERR_(?:FAILED|INTERNET_DISCONNECTED)`,
    ].join('|'),
  ),
];

/** The PNG's width and height, read from its IHDR chunk. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(1, 4).toString('latin1'), 'a PNG').toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Turns the network off for the context's pages and their service worker. */
export async function goOffline(context: BrowserContext, page: Page) {
  await context.setOffline(true);
  await expect.poll(() => probeNetwork(page), { message: 'the worker reaches no network' }).toBe('failed');
}

/**
 * What Chromium says about installing the page at `url` (`Page.getInstallabilityErrors`)
 * and the manifest it parsed (`Page.getAppManifest`), once the worker is in charge.
 * Asked in a browser profile of its own: Playwright's contexts are incognito ones,
 * which Chromium never offers to install ("in-incognito").
 */
export async function askChromium(url: string, testInfo: TestInfo) {
  const use = testInfo.project.use;
  const context = await chromium.launchPersistentContext(testInfo.outputPath('profile'), {
    executablePath: use.launchOptions?.executablePath,
    args: use.launchOptions?.args,
    viewport: use.viewport,
    isMobile: use.isMobile,
    hasTouch: use.hasTouch,
    deviceScaleFactor: use.deviceScaleFactor,
  });
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    await page.goto(url);
    await page.locator('html[data-ready]').waitFor({ state: 'attached' });
    await waitForWorker(page);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    const parsed = await cdp.send('Page.getAppManifest');
    return { installabilityErrors, manifestUrl: parsed.url, manifestErrors: parsed.errors, manifest: JSON.parse(parsed.data ?? '{}'), problems };
  } finally {
    await context.close();
  }
}

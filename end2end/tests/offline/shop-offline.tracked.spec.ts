// Offline at the pop-up (issue #14, point 2), with the event sink: after one visit the
// shop opens with no network (home and a product page reloaded, both from the service
// worker's cache and taken over by the app), a code is copied, products are opened and
// put in the cart; back online, every event of the offline spell arrives exactly once,
// with the time it happened. The worker never touches an event (they are POSTs to
// another origin): the app's outbox is their only sender.
//
// In the tracking project (`*.tracked.spec.ts`): it resets the shared sink.
import { test, expect, waitForApp } from '../fixtures';
import {
  COLLECTOR_NETWORK_LOG,
  COLLECTOR_ROUTE,
  COPIED_JUNO15,
  COPY_JUNO15,
  countByName,
  named,
  openTracked,
  resetSink,
  setRules,
  sinkState,
  storedEvents,
} from '../tracking/sink';
import { OFFLINE_LOGS, cacheEntries, goOffline, waitForWorker } from './worker';
import { ROOT, serveCopy, type Served } from '../serve-copy';
import { join } from 'node:path';

test.describe.configure({ mode: 'serial' });
// The built site, served as GitHub Pages serves it (`Cache-Control: max-age=600`): the
// pictures of the first visit, shown before the worker existed, are in the browser's
// HTTP cache, from where the worker's install copies them. (A host that forbids any
// caching, `no-store`, leaves nothing to copy: those pictures come back with the next
// visit with network.)
let served: Served | undefined;
let base = '';
test.beforeAll(async () => {
  served = await serveCopy(process.env.DIST_DIR || join(ROOT, 'dist'), { cacheSeconds: 600 });
  base = served.base;
});
test.afterAll(() => served?.stop());
// Offline, Chromium logs the requests that fail: the collector's, and pictures the
// worker never saw. Nothing else may be logged.
test.use({ allowConsoleErrors: [new RegExp(`${OFFLINE_LOGS[0].source}|${COLLECTOR_NETWORK_LOG.source}`)] });

const page_clock = (page: import('@playwright/test').Page) => page.evaluate(() => Date.now());

test('offline after one visit: the shop opens, hydrates, and every tap arrives once back online', async ({
  page,
  context,
}) => {
  test.setTimeout(240_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await resetSink();
  // One visit with network, from a tagged link (the tags must never reach the cache).
  await openTracked(page, `${base}/?utm_source=popup&utm_campaign=market&fbclid=abc123`);
  await waitForWorker(page);
  await expect
    .poll(async () => named(await sinkState(), 'page_view').length, { message: 'first page_view delivered', timeout: 60_000 })
    .toBe(1);
  // Pictures seen on the first screen: the avatar and the first product cards'.
  const seen = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLImageElement>('img')]
      .filter((img) => img.complete && img.naturalWidth > 0 && img.getBoundingClientRect().top < innerHeight)
      .map((img) => new URL(img.src).pathname),
  );
  expect(seen.length, 'pictures on the first screen').toBeGreaterThan(1);

  const offlineAt = await page_clock(page);
  // No network: the browser's offline switch (pages and the worker), and the collector
  // down too, as the tracking tests make it (the switch does not hold back the
  // browser's keepalive requests and beacons, which Chromium sends on its own).
  await setRules({ down: true });
  await context.route(COLLECTOR_ROUTE, (route) => route.abort('internetdisconnected'));
  await goOffline(context, page);

  // The home page, reloaded offline: from the worker, taken over by the app.
  const home = await page.reload();
  expect(home?.fromServiceWorker(), 'home from the worker').toBe(true);
  await waitForApp(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Juno Park');
  const pictures = await page.evaluate(
    (paths) =>
      paths.map((path) => {
        const img = [...document.querySelectorAll<HTMLImageElement>('img')].find((i) => new URL(i.src).pathname === path);
        return { path, shown: !!img && img.complete && img.naturalWidth > 0 };
      }),
    seen,
  );
  expect(pictures.filter((p) => !p.shown), 'pictures seen before, shown offline').toEqual([]);

  // Taps: copy a code, put the mug in the cart, open another product (in place: the app
  // fetches its page, which the worker answers from its cache).
  await page.getByRole('button', { name: COPY_JUNO15 }).click();
  await expect(page.getByRole('button', { name: COPIED_JUNO15 })).toHaveText('Copied');
  await page.getByRole('button', { name: 'Add Speckled stoneware mug to cart' }).click();
  await page.locator('a.product-link[data-product="pour-over-set"]').click();
  await expect(page).toHaveURL(/\/p\/pour-over-set\/(?:\?|$)/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pour-over coffee set');

  // The product page, reloaded offline: from the worker, taken over, and its cart holds
  // the mug (its part, fetched from the worker's cache).
  const product = await page.reload();
  expect(product?.fromServiceWorker(), 'product page from the worker').toBe(true);
  await waitForApp(page);
  await page.locator('main.detail').getByRole('button', { name: 'Add to cart: Pour-over coffee set' }).click();
  await page.getByRole('link', { name: /View cart/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
  await expect(page.locator('main')).toContainText('Speckled stoneware mug');
  await expect(page.locator('main')).toContainText('Pour-over coffee set');

  // A page never opened: the offline page; its link home opens the saved home.
  await page.goto(`${base}/thanks/`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("You're offline");
  await page.getByRole('link', { name: 'Open the shop' }).click();
  await waitForApp(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Juno Park');

  // Nothing of the offline spell reached the sink; the outbox holds it.
  await expect
    .poll(async () => countByName(await storedEvents(page)), { message: 'the outbox', timeout: 10_000 })
    .toMatchObject({ select_promotion: 1, add_to_cart: 2, select_item: 1 });
  const stored = await storedEvents(page);
  const during = await sinkState();
  expect(during.events.filter((e) => e.occurred_at >= offlineAt).map((e) => e.name), 'at the sink while offline').toEqual([]);

  const onlineAt = await page_clock(page);
  await context.unroute(COLLECTOR_ROUTE);
  await setRules({});
  await context.setOffline(false);

  // Back online: everything arrives, each event once.
  const storedIds = stored.map((e) => e.id);
  await expect
    .poll(
      async () => {
        const arrived = new Set((await sinkState()).events.map((e) => e.event_id));
        return storedIds.filter((id) => !arrived.has(id));
      },
      { message: 'outbox events not yet at the sink', timeout: 120_000, intervals: [1_000, 2_000, 5_000] },
    )
    .toEqual([]);
  // Let any late copy arrive before counting copies.
  await page.waitForTimeout(3_000);
  const state = await sinkState();
  expect(state.received, 'copies received = distinct events: none arrived twice').toBe(state.unique);

  const offline = state.events.filter((e) => e.occurred_at >= offlineAt && e.occurred_at < onlineAt);
  expect(countByName(offline), 'what happened offline, as it happened').toMatchObject({
    select_promotion: 1,
    add_to_cart: 2,
    select_item: 1,
  });
  // A page_view for each page shown offline: home, the product (in place), the product
  // reloaded, the cart (in place), the home page again.
  expect(named({ ...state, events: offline }, 'page_view').length).toBeGreaterThanOrEqual(5);
  for (const event of offline) {
    expect(event.sent_at, `${event.name} sent after the network came back`).toBeGreaterThanOrEqual(onlineAt);
    expect(event.attribution.utm_source, `${event.name} keeps the landing's campaign`).toBe('popup');
  }

  // The worker kept only the site's own files, by path: no query, no event, nothing of
  // another origin.
  const entries = await cacheEntries(page);
  const origin = new URL(base).origin;
  expect(entries.filter((e) => new URL(e.url).origin !== origin || e.url.includes('?') || e.responseUrl.includes('?'))).toEqual(
    [],
  );
  expect(entries.map((e) => e.url).join(' ')).not.toMatch(/fbclid|utm_|abc123|events/);
});

test('strict privacy (Global Privacy Control): the worker keeps only public files, the device nothing of the shopper', async ({
  page,
  context,
}) => {
  test.setTimeout(120_000);
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { configurable: true, get: () => true });
  });
  await resetSink();
  await openTracked(page, `${base}/?utm_source=tiktok&fbclid=abc123&code=JUNO15`);
  await page.getByRole('button', { name: 'Add Speckled stoneware mug to cart' }).click();
  await waitForWorker(page);
  // Offline, the shop still opens (public pages), and the device holds no storage.
  await goOffline(context, page);
  const home = await page.reload();
  expect(home?.fromServiceWorker()).toBe(true);
  await waitForApp(page);
  const onDevice = await page.evaluate(() => ({ local: Object.keys(localStorage), session: Object.keys(sessionStorage) }));
  expect(onDevice).toEqual({ local: [], session: [] });
  await context.setOffline(false);

  // Every saved file is the host's own bytes for its path: the same for every shopper.
  const entries = await cacheEntries(page);
  expect(entries.length).toBeGreaterThan(10);
  for (const { url } of entries) {
    expect(new URL(url).origin).toBe(new URL(base).origin);
    expect(url).not.toContain('?');
  }
  const pages = entries.filter((e) => /\/$|\.html$|\.txt$/.test(new URL(e.url).pathname));
  const differ: string[] = [];
  for (const { url } of pages) {
    const saved = await page.evaluate(async (u) => (await caches.match(u))!.text(), url);
    const served = await (await fetch(url)).text();
    if (saved !== served) differ.push(url);
  }
  expect(differ, 'saved pages that differ from what the host serves').toEqual([]);
});

// Offline and installable under a sub-path (https://juno.github.io/shop/, served at
// /shop/): the manifest, the worker and its scope follow the base path, and the shop
// opens offline there; a page never opened gets the offline page with links under it.
import { test, expect, waitForApp } from '../fixtures';
import { OFFLINE_LOGS, askChromium, cacheEntries, goOffline, waitForWorker } from '../offline/worker';

const SITE = (process.env.SUBPATH_URL || 'http://127.0.0.1:8792/shop/').replace(/\/?$/, '/');
const BASE = new URL(SITE).pathname;

test.use({ allowConsoleErrors: OFFLINE_LOGS });

test('the worker and the manifest live under the sub-path, and the shop opens offline there', async ({ page, context }, testInfo) => {
  test.setTimeout(120_000);
  await page.goto(SITE);
  await waitForApp(page);
  await waitForWorker(page);
  const worker = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return { scope: registration.scope, script: registration.active?.scriptURL };
  });
  expect(worker).toEqual({ scope: SITE, script: `${SITE}sw.js` });

  const chromium = await askChromium(SITE, testInfo);
  expect(chromium.installabilityErrors).toEqual([]);
  const manifest = chromium.manifest;
  expect(manifest).toMatchObject({ start_url: BASE, scope: BASE, id: BASE });
  expect(manifest.icons.map((i: { src: string }) => i.src.startsWith(`${BASE}icons/`))).toEqual([true, true, true]);
  // Saved by path under the sub-path, in caches named for it.
  const entries = await cacheEntries(page);
  expect(entries.filter((e) => !new URL(e.url).pathname.startsWith(BASE) || !e.cache.startsWith(`linkshelf ${BASE} `))).toEqual(
    [],
  );

  await goOffline(context, page);
  const product = await page.goto(`${SITE}p/speckled-mug/`);
  expect(product?.fromServiceWorker()).toBe(true);
  await waitForApp(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Speckled stoneware mug');
  await page.goto(`${SITE}thanks/`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("You're offline");
  const links = await page.evaluate(() => [...document.querySelectorAll('main a[href]')].map((a) => a.getAttribute('href')));
  expect(links.filter((href) => href !== '' && !href!.startsWith(BASE)), 'links outside the sub-path').toEqual([]);
  await page.getByRole('link', { name: 'Open the shop' }).click();
  await waitForApp(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Juno Park');
  await context.setOffline(false);
});

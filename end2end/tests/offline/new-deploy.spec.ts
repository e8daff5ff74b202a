// A new deploy is picked up on the next visit with network, never stuck on an old
// version (issue #14, point 2): build A (the built site) is served from a folder and
// visited until its worker is in charge; build B (the demo with another bio and a
// product renamed, baked into a copy of the same bundle by tools/bake-copy.mjs) is then
// copied over it in the same folder, as a host's deploy does. The next visit shows B
// at once, B's worker replaces A's and deletes A's saved pages, and offline the shop
// is B.
import { test, expect, waitForApp } from '../fixtures';
import { ROOT, serveCopy, type Served } from '../serve-copy';
import { OFFLINE_LOGS, cacheEntries, goOffline, versionOf, waitForWorker } from './worker';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIST = process.env.DIST_DIR || join(ROOT, 'dist');
const WORK = join(ROOT, 'target/offline-deploy');
const BIO_A = 'Ceramicist in Berlin. Slow mornings, small studios and the things I actually use.';
const BIO_B = 'Back from the winter market: new glazes, same slow mornings.';
const TITLE_B = 'Speckled stoneware mug, winter glaze';

/** The versions of this site's builds that have pages saved (cache `linkshelf / <version>`). */
async function savedVersions(page: Parameters<typeof cacheEntries>[0]) {
  const names = await page.evaluate(() => caches.keys());
  return names.flatMap((n) => /^linkshelf \/ ([0-9a-f]{16})$/.exec(n)?.[1] ?? []).sort();
}

test.describe('a new deploy', () => {
  test.describe.configure({ mode: 'serial' });
  test.use({ allowConsoleErrors: OFFLINE_LOGS });
  let served: Served | undefined;
  let versionA = '';
  let versionB = '';
  const site = join(WORK, 'site');

  test.beforeAll(() => {
    rmSync(WORK, { recursive: true, force: true });
    mkdirSync(WORK, { recursive: true });
    cpSync(DIST, site, { recursive: true });
    versionA = versionOf(readFileSync(join(site, 'sw.js'), 'utf8'));
    // Build B: the same config but for the bio and one product's title.
    const configDir = join(WORK, 'b-config');
    cpSync(join(ROOT, 'demo/media'), join(configDir, 'media'), { recursive: true });
    const config = JSON.parse(readFileSync(join(ROOT, 'demo/storefront.json'), 'utf8'));
    delete config.$schema;
    config.creator.bio = BIO_B;
    config.products.find((p: { id: string }) => p.id === 'speckled-mug').title = TITLE_B;
    writeFileSync(join(configDir, 'storefront.json'), JSON.stringify(config, null, 2));
    execFileSync('node', [join(ROOT, 'end2end/tools/bake-copy.mjs'), DIST, join(configDir, 'storefront.json'), join(WORK, 'b')], {
      stdio: 'pipe',
    });
    versionB = versionOf(readFileSync(join(WORK, 'b/sw.js'), 'utf8'));
  });

  test.afterAll(() => served?.stop());

  test('shows on the next visit with network, and its worker replaces the old one', async ({ page, context }) => {
    test.setTimeout(180_000);
    expect(versionB, 'any change to the site is a new worker').not.toBe(versionA);
    served = await serveCopy(site);
    const base = served.base;

    await page.goto(`${base}/`);
    await waitForApp(page);
    await expect(page.locator('p.bio')).toHaveText(BIO_A);
    await waitForWorker(page);
    expect(await savedVersions(page)).toEqual([versionA]);

    // The deploy: build B's files over build A's, in the folder being served.
    cpSync(join(WORK, 'b'), site, { recursive: true, force: true });
    expect(versionOf(readFileSync(join(site, 'sw.js'), 'utf8'))).toBe(versionB);

    // Next visit with network: B at once (A's worker asks the network first).
    const home = await page.goto(`${base}/`);
    expect(home?.status()).toBe(200);
    await waitForApp(page);
    await expect(page.locator('p.bio')).toHaveText(BIO_B);
    await page.locator('a.product-link[data-product="speckled-mug"]').click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(TITLE_B);

    // B's worker takes over and A's saved pages are deleted: nothing of A is left to show.
    await expect
      .poll(() => savedVersions(page), { message: 'builds with saved pages', timeout: 60_000 })
      .toEqual([versionB]);
    const entries = await cacheEntries(page);
    expect(entries.filter((e) => e.cache.endsWith(versionA))).toEqual([]);

    // Offline, the shop is B, from B's worker.
    await goOffline(context, page);
    const again = await page.goto(`${base}/`);
    expect(again?.fromServiceWorker()).toBe(true);
    await waitForApp(page);
    await expect(page.locator('p.bio')).toHaveText(BIO_B);
    const product = await page.goto(`${base}/p/speckled-mug/`);
    expect(product?.fromServiceWorker()).toBe(true);
    await waitForApp(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(TITLE_B);
    await context.setOffline(false);
  });
});

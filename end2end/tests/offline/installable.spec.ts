// Installable, and a page in the site's look when there is nothing saved to show
// (issue #14, point 2). Lighthouse 12 dropped its PWA checks, so this asks Chromium
// itself (CDP `Page.getInstallabilityErrors`, the check behind its install prompt)
// and reads the manifest it parsed (`Page.getAppManifest`).
import { test, expect, open } from '../fixtures';
import { expectNoViolations } from '../axe';
import { OFFLINE_LOGS, askChromium, cacheEntries, goOffline, pngSize, waitForWorker } from './worker';
import { join } from 'node:path';

const NOW = '2026-11-20T12:00:00Z';

test('Chromium finds the storefront installable: manifest, icons, worker', async ({ page, baseURL }, testInfo) => {
  const chromium = await askChromium(new URL('/', baseURL).href, testInfo);
  expect(chromium.installabilityErrors, 'what Chromium says stops an install').toEqual([]);
  expect(chromium.problems, 'errors on the page').toEqual([]);
  expect(chromium.manifestUrl).toBe(new URL('/manifest.webmanifest', baseURL).href);
  expect(chromium.manifestErrors, 'manifest parse errors').toEqual([]);
  const manifest = chromium.manifest;
  expect(manifest).toMatchObject({
    name: 'Juno Park',
    short_name: 'Juno Park',
    start_url: '/',
    scope: '/',
    id: '/',
    display: 'standalone',
    theme_color: '#a9502c',
    background_color: '#f6f3ee',
  });
  // Chromium wants a square icon of at least 144 px; a maskable one fills a launcher's shape.
  const icons = manifest.icons as { src: string; sizes: string; type: string; purpose: string }[];
  expect(icons.map((i) => `${i.sizes} ${i.purpose}`)).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);
  for (const icon of icons) {
    const response = await page.request.get(new URL(icon.src, baseURL).href);
    expect(response.ok(), icon.src).toBe(true);
    expect(response.headers()['content-type']).toMatch(/^image\/png/);
    const size = Number(icon.sizes.split('x')[0]);
    expect(pngSize(await response.body()), icon.src).toEqual({ width: size, height: size });
  }

  // The worker is the site's own, in charge of the whole site.
  await open(page, '/', NOW);
  await waitForWorker(page);
  const worker = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return { scope: registration.scope, script: registration.active?.scriptURL };
  });
  expect(worker).toEqual({ scope: new URL('/', baseURL).href, script: new URL('/sw.js', baseURL).href });
  // Its precache is done before it takes charge: the shell, the first product pages.
  const saved = (await cacheEntries(page)).map((e) => new URL(e.url).pathname);
  for (const path of ['/', '/cart/', '/offline.html', '/p/speckled-mug/', '/p/speckled-mug/product.txt']) {
    expect(saved, path).toContain(path);
  }
  expect(saved.filter((p) => /\.(?:js|wasm|css)$/.test(p)).length, 'the hashed JS, WASM and CSS').toBe(3);
});

test.describe('the offline page', () => {
  test.use({ allowConsoleErrors: OFFLINE_LOGS });

  for (const colorScheme of ['light', 'dark'] as const) {
    test(`a page never opened, offline: the offline page, in the site's look (${colorScheme}), no WCAG 2.2 A/AA violations`, async ({
      page,
      context,
    }, testInfo) => {
      await page.emulateMedia({ colorScheme });
      await open(page, '/', NOW);
      await waitForWorker(page);
      await goOffline(context, page);
      // The thank-you page is never precached: nothing to show but the offline page.
      const response = await page.goto('/thanks/');
      expect(response?.fromServiceWorker(), 'answered by the worker').toBe(true);
      await expect(page).toHaveURL(/\/thanks\/$/);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText("You're offline");
      await expect(page).toHaveTitle('Offline · Juno Park');
      // In the site's look: its stylesheet and theme (the accent on the first button).
      const look = await page.evaluate(() => {
        const button = document.querySelector('a.button.primary')!;
        const avatar = document.querySelector<HTMLImageElement>('img.avatar')!;
        return {
          accent: getComputedStyle(document.documentElement).getPropertyValue('--accent').trim(),
          button: getComputedStyle(button).backgroundColor,
          avatar: avatar.complete && avatar.naturalWidth > 0,
          scripts: document.scripts.length,
        };
      });
      expect(look).toEqual({ accent: '#a9502c', button: 'rgb(169, 80, 44)', avatar: true, scripts: 0 });
      const saved = page.getByRole('navigation', { name: 'Saved on this device' }).getByRole('link');
      await expect(saved.first()).toBeVisible();
      expect(await saved.count()).toBe(20);
      await expectNoViolations(page);
      await page.screenshot({ path: testInfo.outputPath(`offline-${colorScheme}.png`), fullPage: false });
      if (process.env.OFFLINE_SCREENSHOT_DIR) {
        await page.screenshot({ path: join(process.env.OFFLINE_SCREENSHOT_DIR, `offline-${colorScheme}.png`) });
      }

      // Its links lead to saved pages, which open offline.
      await saved.filter({ hasText: 'Oak serving board' }).click();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Oak serving board');
      await page.goBack();
      await page.getByRole('link', { name: 'Open the shop' }).click();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Juno Park');
      await page.locator('html[data-ready]').waitFor({ state: 'attached' });
    });
  }
});

// The page as the host serves it: never in search results nor the sitemap, no script.
test('the offline page is in the built site, not indexed, and runs no script', async ({ request }) => {
  const response = await request.get('/offline.html');
  expect(response.ok()).toBe(true);
  const html = await response.text();
  expect(html).toContain('<meta name="robots" content="noindex">');
  expect(html).not.toContain('<script');
  expect(await (await request.get('/sitemap.xml')).text()).not.toContain('offline');
});

// A shop served from a sub-path, as a GitHub Pages project site is
// (https://name.github.io/shop/): every file, link, calendar file, canonical address and
// event follows the path, and the shopper's journey works as at a domain's root.
import { test, expect, waitForApp } from '../fixtures';
import { named, resetSink, sinkState } from '../tracking/sink';

const SITE = (process.env.SUBPATH_URL || 'http://127.0.0.1:8792/shop/').replace(/\/?$/, '/');
const BASE = new URL(SITE).pathname;

test('home, a product, the cart and its checkout link, all under the sub-path', async ({ page }) => {
  await resetSink();
  const outside: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === new URL(SITE).origin && !url.pathname.startsWith(BASE)) outside.push(url.pathname);
  });
  await page.goto(SITE);
  await waitForApp(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Juno Park');

  // Nothing in the page points at the host's root.
  const rooted = await page.evaluate((base) => {
    const urls = [...document.querySelectorAll('[href], [src]')].map(
      (e) => e.getAttribute('href') ?? e.getAttribute('src') ?? '',
    );
    return urls.filter((u) => u.startsWith('/') && !u.startsWith(base));
  }, BASE);
  expect(rooted).toEqual([]);
  await expect(page.locator('link[rel="canonical"]')).toHaveAttribute('href', 'https://juno.github.io/shop/');
  const ics = page.locator('a[href$=".ics"]').first();
  expect(await ics.getAttribute('href')).toMatch(new RegExp(`^${BASE}calendar/`));
  expect((await page.request.get(new URL((await ics.getAttribute('href'))!, SITE).href)).ok()).toBe(true);

  await page.getByRole('button', { name: 'Add Speckled stoneware mug to cart' }).click();
  await page.locator(`a.product-link[data-product="speckled-mug"]`).click();
  await expect(page).toHaveURL(`${SITE}p/speckled-mug/`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Speckled stoneware mug');
  await page.getByRole('link', { name: /View cart/ }).click();
  await expect(page).toHaveURL(`${SITE}cart/`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
  await expect(page.getByRole('link', { name: /^Check out at / })).toHaveAttribute('href', /^https:\/\//);
  // A fresh load of a page under the sub-path works too, and Back returns home.
  await page.reload();
  await waitForApp(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
  expect(outside, 'requests to the host root').toEqual([]);

  // The events name the pages as the shopper's address bar does.
  await expect
    .poll(async () => named(await sinkState(), 'page_view').map((e) => e.context.path), { timeout: 30_000 })
    .toEqual(expect.arrayContaining([BASE, `${BASE}p/speckled-mug/`, `${BASE}cart/`]));
});

test.describe('a missing path', () => {
  // The host answers it with 404.html and a 404 status, which the browser logs.
  test.use({ allowConsoleErrors: [/status of 404 \(Not Found\)/] });

  test('under the sub-path gets the page of missing paths, linking home', async ({ page }) => {
    await page.goto(`${SITE}p/no-such-product/`);
    await waitForApp(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText("This product isn't here");
    await expect(page.getByRole('link', { name: 'See the whole shop' })).toHaveAttribute('href', BASE);
  });
});

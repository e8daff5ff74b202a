// A tap in the first second, before the app has taken the page over, goes at once and is
// still counted: the page's early-tap script (src/build/early.rs) gives a Buy link its
// click id, and sends the visit's page_view and the tap's event itself. The WASM request
// is held back for the whole test, so nothing here can be the app's doing.
import { test, expect } from '../fixtures';
import type { Page } from '@playwright/test';
import { COLLECTOR_URL, named, pinDate, resetSink, sinkState, stubShop } from './sink';

test.describe.configure({ mode: 'serial' });

/** Holds every WASM request for the rest of the test. */
async function holdWasm(page: Page) {
  await page.route('**/*.wasm', () => new Promise(() => {}));
}

async function eventsNamed(name: string, count: number) {
  await expect
    .poll(async () => named(await sinkState(), name).length, { message: `${name} events at the sink`, timeout: 30_000 })
    .toBe(count);
  return named(await sinkState(), name);
}

test('a Buy tap before the app runs navigates at once, with a click id its begin_checkout carries', async ({ page, context }) => {
  await pinDate(context);
  const shopVisits = await stubShop(context, 'linenhaus.example');
  await holdWasm(page);
  await resetSink();
  await page.goto('/?utm_source=tiktok&utm_campaign=spring%20drop&ref=bio&ttclid=E.C.P');
  await expect(page.locator('html[data-ready]')).toHaveCount(0);

  const buy = page.getByRole('link', { name: 'Buy Stonewashed linen napkins (set of 4)', exact: true });
  const started = Date.now();
  await Promise.all([page.waitForURL(/linenhaus\.example/), buy.click()]);
  // Nothing waited for tracking (a generous bound: the stub answers at once).
  expect(Date.now() - started).toBeLessThan(5_000);

  const url = new URL(page.url());
  expect(`${url.origin}${url.pathname}`).toBe('https://linenhaus.example/products/linen-napkins');
  const clickId = url.searchParams.get('click_id');
  expect(clickId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(url.searchParams.get('discount'), 'no code was in the link').toBeNull();
  // The campaign travels in the link too (the platform click id stays in the event).
  expect(url.searchParams.get('utm_source')).toBe('tiktok');
  expect(url.searchParams.get('utm_campaign')).toBe('spring drop');
  expect(url.searchParams.get('ttclid')).toBeNull();
  expect(shopVisits).toEqual([url.href]);

  const [checkout] = await eventsNamed('begin_checkout', 1);
  expect(checkout.outbound?.click_id).toBe(clickId);
  expect(checkout.outbound?.destination_host).toBe('linenhaus.example');
  expect(checkout.attribution?.utm_source).toBe('tiktok');
  expect(checkout.attribution?.utm_campaign).toBe('spring drop');
  expect(checkout.attribution?.ref).toBe('bio');
  expect(checkout.attribution?.click_ids).toEqual([{ name: 'ttclid', value: 'E.C.P' }]);
  expect(checkout.ecommerce?.value).toBe(2800);
  expect(checkout.ecommerce?.items?.[0]).toMatchObject({ item_id: 'linen-napkins', item_list_id: 'kitchen', index: 2 });
  expect(checkout.context?.path).toBe('/');
  const [view] = await eventsNamed('page_view', 1);
  expect(view.page_load_id).toBe(checkout.page_load_id);
  expect([view.seq, checkout.seq]).toEqual([0, 1]);
  expect(view.occurred_at).toBeLessThanOrEqual(checkout.occurred_at);
});

test('before the app runs, links already carry their attribution (for a long-press or copy)', async ({ page, context }) => {
  await pinDate(context);
  await holdWasm(page);
  await resetSink();
  await page.goto('/?utm_source=tiktok&utm_campaign=fall&fbclid=ad-1&code=juno15');
  await expect(page.locator('html[data-ready]')).toHaveCount(0);
  const buy = page.getByRole('link', { name: 'Buy Stonewashed linen napkins (set of 4)', exact: true });
  const url = new URL((await buy.getAttribute('href'))!);
  expect(url.searchParams.get('click_id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(url.searchParams.get('utm_source')).toBe('tiktok');
  expect(url.searchParams.get('utm_campaign')).toBe('fall');
  const other = new URL((await page.getByRole('link', { name: 'Buy Oak serving board', exact: true }).getAttribute('href'))!);
  expect(other.searchParams.get('click_id')).not.toBe(url.searchParams.get('click_id'));
  // Product links: the campaign and the applied code, not the ad click's id.
  await expect(page.locator('a.product-link[data-product="speckled-mug"]')).toHaveAttribute(
    'href',
    '/p/speckled-mug/?utm_source=tiktok&utm_campaign=fall&code=JUNO15',
  );
  // Nothing was sent for links merely shown.
  expect(named(await sinkState(), 'begin_checkout')).toHaveLength(0);
});

test('an early Buy tap from a link with a code carries the code', async ({ page, context }) => {
  // JUNOSHIPS (free shipping at Nordform, Paperday…) runs 5–31 January 2027.
  await pinDate(context, '2027-01-10T12:00:00Z');
  await stubShop(context, 'paperday.gumroad.com');
  await holdWasm(page);
  await resetSink();
  await page.goto('/?code=junoships&utm_source=ig');
  await Promise.all([
    page.waitForURL(/paperday\.gumroad\.com/),
    page.getByRole('link', { name: 'Buy Dot-grid notebook A5', exact: true }).click(),
  ]);
  const url = new URL(page.url());
  // Gumroad takes the code as the link's last path segment.
  expect(url.pathname).toBe('/l/dot-grid/JUNOSHIPS');
  const [checkout] = await eventsNamed('begin_checkout', 1);
  expect(url.searchParams.get('click_id')).toBe(checkout.outbound?.click_id);
  expect(checkout.ecommerce?.coupon).toBe('JUNOSHIPS');
  expect(checkout.ecommerce?.value).toBe(1800);
  expect(checkout.attribution?.utm_source).toBe('ig');
});

test('a product tap before the app runs opens the product page with the campaign and counts the tap', async ({ page, context }) => {
  await pinDate(context);
  await holdWasm(page);
  await resetSink();
  await page.goto('/?utm_source=tiktok&ref=clip7');
  await page.locator('a.product-link[data-product="speckled-mug"]').click();
  await expect(page).toHaveURL(/\/p\/speckled-mug\/\?utm_source=tiktok&ref=clip7$/);
  const [selected] = await eventsNamed('select_item', 1);
  expect(selected.attribution?.utm_source).toBe('tiktok');
  expect(selected.attribution?.ref).toBe('clip7');
  expect(selected.ecommerce?.items?.[0]).toMatchObject({ item_id: 'speckled-mug', item_list_id: 'kitchen', index: 0 });
});

test('once the app runs, the script leaves taps to it', async ({ page, context }) => {
  await pinDate(context);
  await stubShop(context, 'linenhaus.example');
  await resetSink();
  await page.goto('/?utm_source=tiktok');
  await expect(page.locator('html[data-ready]')).toHaveCount(1, { timeout: 30_000 });
  await Promise.all([
    page.waitForURL(/linenhaus\.example/),
    page.getByRole('link', { name: 'Buy Stonewashed linen napkins (set of 4)', exact: true }).click(),
  ]);
  const [checkout] = await eventsNamed('begin_checkout', 1);
  expect(new URL(page.url()).searchParams.get('click_id')).toBe(checkout.outbound?.click_id);
  // One page view: the app's (the script sent none).
  await eventsNamed('page_view', 1);
});

/** What the shop keeps on this device under the `linkshelf:` keys (read back on the site). */
async function kept(page: Page, path: string) {
  await page.goto(path);
  return page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('linkshelf:')).sort());
}

test('under standard privacy an early Buy tap is also kept for the next page; with GPC nothing is', async ({ browser, baseURL }) => {
  for (const gpc of [false, true]) {
    const context = await browser.newContext({ baseURL });
    if (gpc) {
      await context.addInitScript(() => {
        Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { configurable: true, get: () => true });
      });
    }
    await pinDate(context);
    await stubShop(context, 'linenhaus.example');
    const page = await context.newPage();
    await holdWasm(page);
    await resetSink();
    await page.goto('/?utm_source=tiktok');
    await Promise.all([
      page.waitForURL(/linenhaus\.example/),
      page.getByRole('link', { name: 'Buy Stonewashed linen napkins (set of 4)', exact: true }).click(),
    ]);
    const [checkout] = await eventsNamed('begin_checkout', 1);
    const keys = await kept(page, '/cart/');
    if (gpc) {
      expect(keys, 'nothing stored under GPC').toEqual([]);
    } else {
      // The collector drops repeats, so the beacon's events stay queued until confirmed,
      // and the checkout is kept for the shop's return page.
      expect(keys).toEqual(['linkshelf:checkout', `linkshelf:outbox:${COLLECTOR_URL}`]);
      const record = await page.evaluate(() => localStorage.getItem('linkshelf:checkout'));
      expect(record?.split('\t')[2]).toBe(checkout.outbound?.click_id);
    }
    await context.close();
  }
});

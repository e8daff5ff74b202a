// With Global Privacy Control on, the storefront behaves as `strict` privacy whatever its
// config says: events are kept in memory only, nothing is written to the device.
import { test, expect } from '../fixtures';
import { COPIED_JUNO15, COPY_JUNO15, named, openTracked, resetSink, sinkState, stubShop } from './sink';

test.describe.configure({ mode: 'serial' });

test('GPC on: nothing is written to localStorage, sessionStorage or cookies', async ({ page, context, baseURL }) => {
  test.setTimeout(120_000);
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { configurable: true, get: () => true });
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await stubShop(context);
  await resetSink();

  await openTracked(page, '/?utm_source=tiktok');
  expect(await page.evaluate(() => (navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl)).toBe(
    true,
  );

  // Copy a code, open a product, put it in the cart, check out, come back.
  await page.getByRole('button', { name: COPY_JUNO15 }).click();
  await expect(page.getByRole('button', { name: COPIED_JUNO15 })).toHaveText('Copied');
  await page.locator('a.product-link[data-product="speckled-mug"]').click();
  const detail = page.locator('main.detail');
  await expect(detail.getByRole('heading', { level: 1 })).toHaveText('Speckled stoneware mug');
  await detail.getByRole('button', { name: 'Add to cart: Speckled stoneware mug' }).click();
  await page.getByRole('link', { name: /View cart/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
  await Promise.all([
    page.waitForURL(/fable-studio\.example/),
    page.getByRole('link', { name: 'Check out at fable-studio.example' }).click(),
  ]);
  await expect(page).toHaveTitle('shop');
  await page.goBack();
  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/cart\/$/);
  await page.locator('html[data-ready]').waitFor({ state: 'attached' });
  // Memory only: a reload starts with an empty cart.
  await page.reload();
  await page.locator('html[data-ready]').waitFor({ state: 'attached' });
  await expect(page.getByText('Your cart is empty.')).toBeVisible();

  // Nothing on the device, on the storefront's origin.
  expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
  const onDevice = await page.evaluate(() => ({
    localStorage: Object.keys(localStorage),
    sessionStorage: Object.keys(sessionStorage),
    cookie: document.cookie,
  }));
  expect(onDevice).toEqual({ localStorage: [], sessionStorage: [], cookie: '' });
  const state = await context.storageState();
  expect(state.cookies, 'cookies in the browser').toEqual([]);
  expect(state.origins, 'origins with localStorage').toEqual([]);

  // Memory-only delivery still works, with the landing page's attribution.
  await expect
    .poll(
      async () => {
        const sink = await sinkState();
        return {
          select_promotion: named(sink, 'select_promotion').length > 0,
          begin_checkout: named(sink, 'begin_checkout').length > 0,
        };
      },
      { message: 'events at the sink', timeout: 60_000 },
    )
    .toEqual({ select_promotion: true, begin_checkout: true });
  const sink = await sinkState();
  const [checkout] = named(sink, 'begin_checkout');
  expect(checkout.ecommerce?.items?.[0]?.item_id).toBe('speckled-mug');
  // The visit that landed with ?utm_source=tiktok: its copy, its product page and its Buy.
  const landingVisit = sink.events.filter((event) => event.page_load_id === checkout.page_load_id);
  expect(landingVisit.map((event) => event.name)).toEqual(
    expect.arrayContaining(['page_view', 'select_promotion', 'begin_checkout']),
  );
  for (const event of landingVisit) {
    expect(event.attribution?.utm_source, `utm_source of ${event.name} #${event.seq}`).toBe('tiktok');
  }
});

// Links carry their attribution before anyone taps them (issue #12): a Buy link copied
// or long-pressed already holds its click id and the visit's campaign, a product link
// the campaign and applied code. The tap sends the click id its URL carried, and the
// link then gets a fresh one for the next tap.
import { test, expect } from '../fixtures';
import { named, openTracked, resetSink, sinkState } from './sink';

test.describe.configure({ mode: 'serial' });

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('Buy and product links carry the campaign and a click id before the tap', async ({ page, context }) => {
  test.setTimeout(120_000);
  // The shop answers 204: the browser stays on the page, so the same link can be
  // looked at again after its tap.
  const opened: string[] = [];
  await context.route('https://linenhaus.example/**', (route) => {
    if (route.request().isNavigationRequest()) opened.push(route.request().url());
    return route.fulfill({ status: 204 });
  });
  await resetSink();
  await openTracked(page, '/?utm_source=tiktok&utm_campaign=fall-drop&fbclid=ad-click-1&code=JUNO15');

  const buy = page.getByRole('link', { name: 'Buy Stonewashed linen napkins (set of 4)', exact: true });
  const before = new URL((await buy.getAttribute('href'))!);
  expect(`${before.origin}${before.pathname}`).toBe('https://linenhaus.example/products/linen-napkins');
  const clickId = before.searchParams.get('click_id')!;
  expect(clickId).toMatch(UUID_V7);
  expect(before.searchParams.get('utm_source')).toBe('tiktok');
  expect(before.searchParams.get('utm_campaign')).toBe('fall-drop');

  // Each Buy link has its own click id.
  const other = new URL((await page.getByRole('link', { name: 'Buy Oak serving board', exact: true }).getAttribute('href'))!);
  expect(other.searchParams.get('click_id')).toMatch(UUID_V7);
  expect(other.searchParams.get('click_id')).not.toBe(clickId);

  // A product link keeps the campaign and the applied code, never the ad click's id.
  const mug = page.locator('a.product-link[data-product="speckled-mug"]');
  await expect(mug).toHaveAttribute('href', '/p/speckled-mug/?utm_source=tiktok&utm_campaign=fall-drop&code=JUNO15');

  // The tap opens the URL the link carried and reports the same click id.
  await buy.click();
  await expect.poll(() => opened.length).toBe(1);
  expect(new URL(opened[0]).searchParams.get('click_id')).toBe(clickId);
  await expect
    .poll(async () => named(await sinkState(), 'begin_checkout').length, { timeout: 60_000 })
    .toBe(1);
  const [checkout] = named(await sinkState(), 'begin_checkout');
  expect(checkout.outbound?.click_id).toBe(clickId);

  // Then the link carries a fresh id for the next tap.
  await expect
    .poll(async () => new URL((await buy.getAttribute('href'))!).searchParams.get('click_id'))
    .not.toBe(clickId);
  const next = new URL((await buy.getAttribute('href'))!).searchParams.get('click_id');
  expect(next).toMatch(UUID_V7);
});

test("The cart's checkout link carries its click id before the tap", async ({ page }) => {
  await openTracked(page, '/p/speckled-mug/?utm_source=instagram');
  await page.getByRole('button', { name: 'Add to cart: Speckled stoneware mug' }).click();
  await page.getByRole('link', { name: /View cart/ }).click();
  const checkout = page.getByRole('link', { name: /Check out at/ });
  const url = new URL((await checkout.getAttribute('href'))!);
  expect(url.searchParams.get('attributes[click_id]')).toMatch(UUID_V7);
  expect(url.searchParams.get('utm_source')).toBe('instagram');
});

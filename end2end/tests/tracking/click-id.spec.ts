// A Buy tap carries one click id both in the shop URL and in its begin_checkout event,
// so an order can be joined back to the tap (and the campaign that brought the shopper).
import { test, expect } from '../fixtures';
import { named, openTracked, resetSink, sinkState, stubShop } from './sink';

test.describe.configure({ mode: 'serial' });

test("The click_id in the Buy link's URL equals the one in its begin_checkout event", async ({ page, context }) => {
  test.setTimeout(120_000);
  const shopVisits = await stubShop(context, 'linenhaus.example');
  await resetSink();
  await openTracked(page, '/?utm_source=tiktok&utm_medium=clip&ref=bio');

  const buy = page.getByRole('link', { name: 'Buy Stonewashed linen napkins (set of 4)', exact: true });
  await Promise.all([page.waitForURL(/linenhaus\.example/), buy.click()]);

  const url = new URL(page.url());
  expect(`${url.origin}${url.pathname}`).toBe('https://linenhaus.example/products/linen-napkins');
  expect(url.searchParams.getAll('click_id'), 'click_id parameters in the shop URL').toHaveLength(1);
  const clickId = url.searchParams.get('click_id')!;
  expect(clickId).not.toBe('');
  expect(shopVisits, 'the document requested from the shop').toEqual([url.href]);

  await expect
    .poll(async () => named(await sinkState(), 'begin_checkout').length, {
      message: 'begin_checkout events at the sink',
      timeout: 60_000,
    })
    .toBeGreaterThan(0);
  const checkouts = named(await sinkState(), 'begin_checkout');
  expect(checkouts, 'one Buy tap, one begin_checkout').toHaveLength(1);
  const [checkout] = checkouts;
  expect(checkout.outbound?.click_id, 'outbound.click_id').toBe(clickId);
  expect(checkout.ecommerce?.currency).toBe('EUR');
  expect(checkout.ecommerce?.value).toBe(2800);
  expect(checkout.ecommerce?.items?.[0]?.item_id).toBe('linen-napkins');
  // The landing's campaign tags travel with it.
  expect(checkout.attribution?.utm_source).toBe('tiktok');
  expect(checkout.attribution?.ref).toBe('bio');
});

// The whole journey: a shopper lands from a TikTok clip with the creator's code, fills
// a cart, checks out at the Shopify shop, and comes back to /thanks. The checkout URL
// is exactly the cart permalink, and the endpoint receives one begin_checkout and one
// purchase carrying the same click id and the landing's campaign.
import { test, expect } from '../fixtures';
import { named, openTracked, resetSink, sinkState, stubShop, type Envelope } from './sink';

test.describe.configure({ mode: 'serial' });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('land with ?utm_source=tiktok&code=JUNO15, check out two products, /thanks twice: one purchase', async ({
  page,
  context,
}) => {
  test.setTimeout(120_000);
  await stubShop(context, 'fable-studio.example');
  await resetSink();
  await openTracked(page, '/?utm_source=tiktok&code=JUNO15');

  // The code applied itself (its card says so), and covered cards show the price with it.
  await expect(page.locator('li.code-card p.applied-note')).toHaveText('Applied: 15% off the marked prices');
  const mugCard = page.locator('li.product-card').filter({ hasText: 'Speckled stoneware mug' });
  await expect(mugCard.locator('.with-code')).toHaveText('€27.20 with \u2068JUNO15\u2069');
  // Not covered by the Fable Studio code: no saving shown.
  await expect(page.locator('li.product-card').filter({ hasText: 'Oak serving board' }).locator('.with-code')).toHaveCount(0);

  await page.getByRole('button', { name: 'Add Speckled stoneware mug to cart' }).click();
  await page.getByRole('group', { name: 'Speckled stoneware mug in your cart' }).getByRole('button', { name: 'One more' }).click();
  await page.getByRole('button', { name: 'Add Pour-over coffee set to cart' }).click();
  const bar = page.getByRole('link', { name: /View cart/ });
  await expect(bar).toContainText('3 items');
  await expect(bar).toContainText('€108.80');
  await bar.click();

  await expect(page).toHaveURL(/\/cart\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
  // The cart survives a reload (standard privacy keeps it in localStorage).
  await page.reload();
  await page.locator('html[data-ready]').waitFor({ state: 'attached' });
  const totals = page.locator('dl.totals');
  await expect(totals).toContainText('Subtotal€128');
  await expect(totals).toContainText('Discount−€19.20');
  await expect(totals).toContainText('Total€108.80');

  await Promise.all([
    page.waitForURL(/fable-studio\.example/),
    page.getByRole('link', { name: 'Check out at fable-studio.example' }).click(),
  ]);
  const url = new URL(page.url());
  const clickId = url.searchParams.get('attributes[click_id]') ?? '';
  expect(clickId).toMatch(UUID);
  expect(page.url()).toBe(
    'https://fable-studio.example/cart/44012345678901:2,44012345678902:1?discount=JUNO15&ref=juno-park' +
      `&attributes%5Bclick_id%5D=${clickId}&utm_source=tiktok`,
  );

  // The shop sends the shopper back to the success URL, in a new tab for good measure
  // (its own session: the campaign must come from the checkout, not this visit).
  const thanks = await context.newPage();
  await thanks.goto('/thanks/?order=123');
  await thanks.locator('html[data-ready]').waitFor({ state: 'attached' });
  await expect(thanks.getByRole('heading', { level: 1 })).toHaveText('Thank you!');
  await expect(thanks.locator('.order-id')).toHaveText('123');
  // Again, and a reload: still one purchase.
  await thanks.goto('/thanks/?order=123');
  await thanks.locator('html[data-ready]').waitFor({ state: 'attached' });
  await thanks.reload();
  await thanks.locator('html[data-ready]').waitFor({ state: 'attached' });

  // Wait until the last visit's page_view arrived: everything before it has too.
  await expect
    .poll(async () => named(await sinkState(), 'page_view').filter((e) => e.context.path === '/thanks/').length, {
      message: 'page views of /thanks at the sink',
      timeout: 60_000,
    })
    .toBe(3);
  const sink = await sinkState();
  const checkouts = named(sink, 'begin_checkout');
  expect(checkouts).toHaveLength(1);
  const [checkout] = checkouts as Envelope[];
  expect(checkout.outbound?.click_id).toBe(clickId);
  expect(checkout.ecommerce).toMatchObject({ currency: 'EUR', value: 10880, coupon: 'JUNO15' });
  expect(checkout.ecommerce?.items.map((i) => [i.item_id, i.quantity])).toEqual([
    ['speckled-mug', 2],
    ['pour-over-set', 1],
  ]);
  const purchases = named(sink, 'purchase');
  expect(purchases, 'one purchase for order 123').toHaveLength(1);
  const [purchase] = purchases as Envelope[];
  expect(purchase.ecommerce).toMatchObject({ transaction_id: '123', currency: 'EUR', value: 10880, coupon: 'JUNO15' });
  expect(purchase.outbound?.click_id, 'the click that led to the order').toBe(clickId);
  expect(purchase.attribution?.utm_source, 'the landing campaign').toBe('tiktok');
  expect(named(sink, 'add_to_cart')).toHaveLength(3);

  // The order emptied the cart.
  await thanks.goto('/cart/');
  await thanks.locator('html[data-ready]').waitFor({ state: 'attached' });
  await expect(thanks.getByText('Your cart is empty.')).toBeVisible();
});

// The shopper's journey into the real collector (collector/, run by scripts/test.sh on
// 127.0.0.1:8787 with a fresh SQLite file): the browser's own requests land there
// (CORS and all), the shop's signed webhook confirms the order, and the stats show
// exactly this visit: its funnel, its campaign, its code and one sale counted once.
import { createHmac } from 'node:crypto';
import { test, expect } from '../fixtures';
import { openTracked, stubShop, SINK_URL } from '../tracking/sink';
import { expectNoViolations } from '../axe';

const TOKEN = process.env.COLLECTOR_TOKEN ?? '';
const SHOPIFY_SECRET = process.env.SHOPIFY_SECRET ?? '';

type Funnel = {
  page_views: number;
  product_selects: number;
  checkouts_started: number;
  purchases: number;
  purchases_verified: number;
  purchases_unverified: number;
  revenue: { currency: string; all: number; verified: number; unverified: number; refunded: number }[];
};
type Stats = {
  totals: Funnel;
  by: Record<string, ({ key: string } & Funnel)[]>;
  orders: { provider: string; order_id: string; value: number; click: { how: string } | null }[];
};

async function stats(): Promise<Stats> {
  const response = await fetch(`${SINK_URL}/v1/stats?creator=juno-park`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(response.status, 'stats with the read token').toBe(200);
  return (await response.json()) as Stats;
}

test('a TikTok visit with JUNO15 lands in the collector, and the Shopify webhook confirms it once', async ({
  page,
  context,
}) => {
  test.setTimeout(120_000);
  expect(TOKEN, 'COLLECTOR_TOKEN from scripts/test.sh').not.toBe('');
  const unread = await fetch(`${SINK_URL}/v1/stats`);
  expect(unread.status, 'stats without the token').toBe(401);
  await stubShop(context, 'fable-studio.example');
  await openTracked(page, '/?utm_source=tiktok&utm_medium=clip&code=JUNO15');

  await page.locator('a.product-link[data-product="speckled-mug"]').click();
  await page.getByRole('button', { name: 'Add to cart: Speckled stoneware mug' }).click();
  await page.getByRole('group', { name: 'Speckled stoneware mug in your cart' }).getByRole('button', { name: 'One more' }).click();
  await page.getByRole('link', { name: /View cart/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
  await Promise.all([
    page.waitForURL(/fable-studio\.example/),
    page.getByRole('link', { name: 'Check out at fable-studio.example' }).click(),
  ]);
  const clickId = new URL(page.url()).searchParams.get('attributes[click_id]') ?? '';
  expect(clickId).not.toBe('');

  // Back from the shop, twice (a reload must not count a second sale).
  const thanks = await context.newPage();
  for (let i = 0; i < 2; i++) {
    await thanks.goto('/thanks/?order=5001');
    await thanks.locator('html[data-ready]').waitFor({ state: 'attached' });
  }
  await expect(thanks.locator('.order-id')).toHaveText('5001');

  // The shop confirms: orders/paid, signed as Shopify signs (base64 HMAC-SHA256 of the body).
  const order = JSON.stringify({
    id: 5001,
    name: '#5001',
    currency: 'EUR',
    total_price: '54.40',
    created_at: new Date().toISOString(),
    discount_codes: [{ code: 'JUNO15', amount: '9.60', type: 'percentage' }],
    note_attributes: [{ name: 'click_id', value: clickId }],
    landing_site: '/cart/44012345678901:2',
    line_items: [],
  });
  const webhook = (secret: string) =>
    fetch(`${SINK_URL}/v1/webhooks/shopify`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Shopify-Topic': 'orders/paid',
        'X-Shopify-Hmac-Sha256': createHmac('sha256', secret).update(order).digest('base64'),
      },
      body: order,
    });
  expect((await webhook('not-the-secret')).status, 'a bad signature').toBe(401);
  const confirmed = await webhook(SHOPIFY_SECRET);
  expect(confirmed.status).toBe(200);

  // Every event of the visit is in: 5 page views (home, product, cart, thanks twice).
  await expect
    .poll(async () => (await stats()).totals.page_views, { message: 'page views in the collector', timeout: 60_000 })
    .toBe(5);
  await expect.poll(async () => (await stats()).totals.purchases_unverified, { timeout: 30_000 }).toBe(1);
  const s = await stats();
  expect(s.totals).toMatchObject({
    page_views: 5,
    product_selects: 1,
    checkouts_started: 1,
    purchases: 1,
    purchases_verified: 1,
    purchases_unverified: 1,
  });
  expect(s.totals.revenue).toEqual([{ currency: 'EUR', all: 5440, verified: 5440, unverified: 5440, refunded: 0 }]);
  expect(s.orders).toHaveLength(1);
  expect(s.orders[0]).toMatchObject({ provider: 'shopify', order_id: '5001', value: 5440, click: { how: 'click_id' } });
  expect(s.by.utm_source.find((row) => row.key === 'tiktok')).toMatchObject({ checkouts_started: 1, purchases: 1 });
  expect(s.by.utm_medium.find((row) => row.key === 'clip')).toMatchObject({ checkouts_started: 1, purchases: 1 });
  expect(s.by.code.find((row) => row.key === 'JUNO15')).toMatchObject({ checkouts_started: 1, purchases: 1 });
  expect(s.by.product.find((row) => row.key === 'speckled-mug')).toMatchObject({ checkouts_started: 1 });
});

// The creator reads that visit on a phone (issue #15, point 4): the report's charts and
// their tables, readable at 360 px without scrolling sideways, accessible in light and
// dark. Runs after the journey above (this file's tests run in order).
for (const scheme of ['light', 'dark'] as const) {
  test(`the report shows the journey in charts with their tables, at 360 px (${scheme})`, async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.emulateMedia({ colorScheme: scheme });
    await page.setExtraHTTPHeaders({ Authorization: `Bearer ${TOKEN}` });
    const response = await page.goto(`${SINK_URL}/v1/report?creator=juno-park`);
    expect(response?.status()).toBe(200);
    // Revenue by channel: TikTok's verified sale, drawn and said.
    const charts = page.locator('figure svg[role="img"]');
    expect(await charts.count()).toBeGreaterThan(0);
    for (const chart of await charts.all()) {
      await expect(chart).toHaveAccessibleName(/\S/);
    }
    await expect(page.locator('figure', { hasText: 'tiktok' }).first()).toBeVisible();
    await expect(page.locator('figcaption', { hasText: /tiktok/i }).first()).toBeVisible();
    // Every table has its CSV.
    expect(await page.locator('a[href^="stats.csv?"]').count()).toBeGreaterThan(1);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(sideways, 'the page scrolls sideways').toBeLessThanOrEqual(0);
    await expectNoViolations(page);
  });
}

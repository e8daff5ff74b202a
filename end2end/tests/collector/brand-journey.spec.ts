// Brand mode into the real collector (scripts/test.sh: demo/brand.json served at
// BRAND_URL, the collector on 127.0.0.1:8787 with a report secret, and two affiliate
// report links made by its `affiliate-link` command): a shopper comes through Juno's page,
// the shop's signed webhook credits the order to Juno, the brand sees it under Juno's
// name with claimed and verified revenue apart, Juno's own link shows it, and Mia's link
// shows none of it and cannot be widened to Juno's.
//
// The demo journey (journey.spec.ts) writes to the same database first (this file's
// project, `collector-brand`, depends on its project, `collector`): its events are creator `juno-park`'s with no affiliate and
// its order 5001 used JUNO15, the same code text as Juno's. So the brand's figures are
// read for creator `fable-studio`, and Juno's own view must hold her sale and not 5001.
import { createHmac } from 'node:crypto';
import { test, expect } from '../fixtures';
import { openTracked, stubShop, SINK_URL } from '../tracking/sink';

const TOKEN = process.env.COLLECTOR_TOKEN ?? '';
const SHOPIFY_SECRET = process.env.SHOPIFY_SECRET ?? '';
const SITE = (process.env.BRAND_URL ?? '').replace(/\/?$/, '/');
const LINK_JUNO = process.env.AFFILIATE_LINK_JUNO ?? '';
const LINK_MIA = process.env.AFFILIATE_LINK_MIA ?? '';

// Another order than the demo journey's (5001, 54.40 EUR). The shop's total adds 4.90 EUR
// of shipping to the cart's 81.60 EUR (96.00 less JUNO15's 15 %), which the storefront
// never sees: the brand's verified and claimed revenue differ, so each can be told apart.
const ORDER_ID = 6001;
const CART_VALUE = 8160;
const SHOP_TOTAL = 8650;

type Revenue = { currency: string; all: number; verified: number; unverified: number; refunded: number };
type Funnel = {
  page_views: number;
  product_selects: number;
  checkouts_started: number;
  purchases: number;
  purchases_verified: number;
  purchases_unverified: number;
  revenue: Revenue[];
};
type Order = {
  provider: string;
  order_id: string;
  value: number;
  currency: string;
  creator_id?: string | null;
  affiliate: string | null;
  credited_by: string | null;
  click: { how: string; affiliate: string | null; coupon: string | null; creator_id: string } | null;
};
type Stats = {
  creator: string | null;
  affiliate: string | null;
  totals: Funnel;
  by: Record<string, ({ key: string } & Funnel)[]>;
  orders: Order[];
};

/** The credential of a report link (its `token=`). */
const credential = (link: string) => new URL(link).searchParams.get('token') ?? '';

/** GET a read endpoint with the credential as `?token=` or as `Authorization: Bearer`. */
async function read(path: string, token: string, how: 'query' | 'bearer') {
  const url = new URL(`${SINK_URL}${path}`);
  if (how === 'query') url.searchParams.set('token', token);
  return fetch(url, how === 'bearer' ? { headers: { Authorization: `Bearer ${token}` } } : {});
}

async function stats(query: string, token = TOKEN, how: 'query' | 'bearer' = 'bearer'): Promise<Stats> {
  const response = await read(`/v1/stats${query}`, token, how);
  expect(response.status, `stats${query}`).toBe(200);
  return (await response.json()) as Stats;
}

/** The brand's view of Juno's share of its own storefront. */
const junoForTheBrand = () => stats('?creator=fable-studio&affiliate=junomakes');

test("a visit through Juno's page becomes Juno's verified sale, in Juno's report and nowhere in Mia's", async ({
  page,
  context,
}) => {
  test.setTimeout(120_000);
  expect(TOKEN, 'COLLECTOR_TOKEN from scripts/test.sh').not.toBe('');
  expect(SITE, 'BRAND_URL from scripts/test.sh').not.toBe('/');
  expect(credential(LINK_JUNO), 'AFFILIATE_LINK_JUNO from scripts/test.sh').toMatch(/^aff1\.junomakes\./);
  expect(credential(LINK_MIA), 'AFFILIATE_LINK_MIA from scripts/test.sh').toMatch(/^aff1\.mia\.koenig\./);

  await stubShop(context, 'fable-studio.example');
  await openTracked(page, `${SITE}c/junomakes/?utm_source=tiktok`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Juno Park');
  await page.getByRole('button', { name: 'Add Speckled stoneware mug to cart' }).first().click();
  await page.getByRole('button', { name: 'Add Pour-over coffee set to cart' }).first().click();
  await page.getByRole('link', { name: /View cart/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
  await expect(page.locator('dl.totals')).toContainText('Discount−€14.40');
  await Promise.all([
    page.waitForURL(/fable-studio\.example/),
    page.getByRole('link', { name: 'Check out at fable-studio.example' }).click(),
  ]);
  const checkout = new URL(page.url()).searchParams;
  const clickId = checkout.get('attributes[click_id]') ?? '';
  const affiliate = checkout.get('attributes[affiliate]') ?? '';
  expect(clickId).not.toBe('');
  expect(affiliate).toBe('junomakes');

  // The shop sends the shopper back in the same tab (so the visit, kept per tab, goes
  // on): the browser's own (unverified) claim of the sale.
  await page.goto(`${SITE}thanks/?order=${ORDER_ID}`);
  await page.locator('html[data-ready]').waitFor({ state: 'attached' });
  await expect(page.locator('.order-id')).toHaveText(String(ORDER_ID));

  // The shop confirms with the click id and the affiliate the cart link handed it,
  // signed as Shopify signs (base64 HMAC-SHA256 of the body).
  const order = JSON.stringify({
    id: ORDER_ID,
    name: `#${ORDER_ID}`,
    currency: 'EUR',
    total_price: '86.50',
    created_at: new Date().toISOString(),
    discount_codes: [{ code: 'JUNO15', amount: '14.40', type: 'percentage' }],
    note_attributes: [
      { name: 'click_id', value: clickId },
      { name: 'affiliate', value: affiliate },
    ],
    landing_site: '/cart/44012345678901:1,44012345678902:1',
    line_items: [],
  });
  const confirmed = await fetch(`${SINK_URL}/v1/webhooks/shopify`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Shopify-Topic': 'orders/paid',
      'X-Shopify-Hmac-Sha256': createHmac('sha256', SHOPIFY_SECRET).update(order).digest('base64'),
    },
    body: order,
  });
  expect(confirmed.status, 'the signed webhook').toBe(200);

  // The brand: every event of the visit is in (3 page views: Juno's page, the cart,
  // the thank-you page), and one sale, verified by the shop and claimed by the browser.
  await expect
    .poll(async () => (await junoForTheBrand()).totals.page_views, { message: 'page views in the collector', timeout: 60_000 })
    .toBe(3);
  await expect.poll(async () => (await junoForTheBrand()).totals.purchases_unverified, { timeout: 30_000 }).toBe(1);
  const brand = await junoForTheBrand();
  expect(brand.totals).toMatchObject({
    page_views: 3,
    checkouts_started: 1,
    purchases: 1,
    purchases_verified: 1,
    purchases_unverified: 1,
  });
  // Apart: what the shop confirmed (86.50), what the browser claimed (81.60); the sale
  // counts once, at the shop's figure.
  expect(brand.totals.revenue).toEqual([
    { currency: 'EUR', all: SHOP_TOTAL, verified: SHOP_TOTAL, unverified: CART_VALUE, refunded: 0 },
  ]);
  expect(brand.orders).toHaveLength(1);
  expect(brand.orders[0]).toMatchObject({
    provider: 'shopify',
    order_id: String(ORDER_ID),
    value: SHOP_TOTAL,
    currency: 'EUR',
    affiliate: 'junomakes',
    credited_by: 'shop',
    click: { how: 'click_id', affiliate: 'junomakes', coupon: 'JUNO15', creator_id: 'fable-studio' },
  });
  // The same in the brand's breakdown by affiliate: Juno's row, and nobody else's sale.
  const byAffiliate = (await stats('?creator=fable-studio')).by.affiliate;
  expect(byAffiliate.find((row) => row.key === 'junomakes')).toMatchObject({
    checkouts_started: 1,
    purchases: 1,
    purchases_verified: 1,
    purchases_unverified: 1,
    revenue: [{ currency: 'EUR', all: SHOP_TOTAL, verified: SHOP_TOTAL, unverified: CART_VALUE, refunded: 0 }],
  });
  expect(byAffiliate.filter((row) => row.key !== 'junomakes' && row.purchases > 0)).toEqual([]);

  // Juno's own link, both ways of giving it: her visit, her code, her sale, and nothing
  // else: the demo creator's own JUNO15 sale (the demo journey's order 5001, same
  // collector, no affiliate) is not hers, though the code text is the same.
  const juno = credential(LINK_JUNO);
  for (const how of ['query', 'bearer'] as const) {
    const own = await stats('', juno, how);
    expect(own.affiliate, how).toBe('junomakes');
    expect(own.by.creator, `${how}: no creator breakdown`).toBeUndefined();
    expect(own.totals, how).toMatchObject({ page_views: 3, checkouts_started: 1, purchases_unverified: 1 });
    expect(own.by.affiliate.map((row) => row.key), how).toEqual(['junomakes']);
    expect(own.by.code.find((row) => row.key === 'JUNO15'), how).toMatchObject({ checkouts_started: 1 });
    const sale = own.orders.find((o) => o.order_id === String(ORDER_ID));
    expect(sale, how).toMatchObject({
      value: SHOP_TOTAL,
      currency: 'EUR',
      affiliate: 'junomakes',
      credited_by: 'shop',
      click: { how: 'click_id', affiliate: 'junomakes' },
    });
    expect(sale?.creator_id ?? null, `${how}: no order's creator`).toBeNull();
    const eur = own.totals.revenue.find((r) => r.currency === 'EUR');
    expect(eur?.unverified, how).toBe(CART_VALUE);
    expect(own.orders.map((o) => o.order_id), how).toEqual([String(ORDER_ID)]);
    expect(eur?.verified, how).toBe(SHOP_TOTAL);
  }
  const report = await read('/v1/report', juno, 'bearer');
  expect(report.status).toBe(200);
  const html = await report.text();
  expect(html).toContain('Stats for junomakes');
  expect(html).toContain('JUNO15');
  expect(html).toContain('unverified 81.60 EUR');
  const csv = await (await read('/v1/stats.csv', juno, 'query')).text();
  // dimension, key, title, page views, code views, product taps, checkouts …
  expect(csv).toMatch(/^affiliate,junomakes,,3,\d+,0,1,/m);

  // Mia's own link: none of it, in any format, either way of giving it.
  const mia = credential(LINK_MIA);
  // Whole figures only (`\b`): a millisecond time such as `"to":1796316001234` holds
  // "6001" by chance, and names no order.
  const nothingOfJunos = /juno|\b6001\b|\b86\.50\b|\b8650\b|\b81\.60\b|\b8160\b/i;
  for (const how of ['query', 'bearer'] as const) {
    const own = await stats('', mia, how);
    expect(own.affiliate, how).toBe('mia.koenig');
    expect(own.totals, how).toMatchObject({
      page_views: 0,
      product_selects: 0,
      checkouts_started: 0,
      purchases: 0,
      purchases_verified: 0,
      purchases_unverified: 0,
      revenue: [],
    });
    expect(own.orders, how).toEqual([]);
    expect(JSON.stringify(own), how).not.toMatch(nothingOfJunos);

    const csvResponse = await read('/v1/stats.csv', mia, how);
    expect(csvResponse.status, `${how}: csv`).toBe(200);
    const text = await csvResponse.text();
    expect(text, `${how}: csv`).toMatch(/^total,,,0,0,0,0,0,0,/m);
    expect(text, `${how}: csv`).not.toMatch(nothingOfJunos);

    const shown = await read('/v1/report', mia, how);
    expect(shown.status, `${how}: report`).toBe(200);
    // The page carries the credential it was opened with (its range form and CSV links):
    // Mia's own link, whose expiry and MAC are no one's figures but could hold "8160".
    const body = (await shown.text()).replaceAll(mia, "<mia's link>");
    expect(body, `${how}: report`).toContain('Stats for mia.koenig');
    expect(body, `${how}: report`).not.toMatch(nothingOfJunos);

    // Widening the link is refused, on every read endpoint, even to Mia's own name.
    for (const path of ['/v1/stats', '/v1/stats.csv', '/v1/report']) {
      for (const widen of ['affiliate=junomakes', 'creator=fable-studio', 'affiliate=mia.koenig']) {
        const refused = await read(`${path}?${widen}`, mia, how);
        expect(refused.status, `${how}: ${path}?${widen}`).toBe(403);
        expect(await refused.text(), `${how}: ${path}?${widen}`).not.toMatch(/6001|8650|8160/);
      }
    }
  }
  // Nor can the link be turned into Juno's by editing its handle: the signature covers it.
  const forged = mia.replace(/^aff1\.mia\.koenig\./, 'aff1.junomakes.');
  expect((await read('/v1/stats', forged, 'bearer')).status, 'an edited link').toBe(401);
});

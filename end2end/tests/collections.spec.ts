// Curated collections and their product cards: prices, images, sold-out and Buy links.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, open, normaliseSpaces } from './fixtures';
import type { Page } from '@playwright/test';

const NOW = '2026-11-20T12:00:00Z';

type DemoCheckout = { kind: string; url?: string; shop?: string; variant?: string };
type DemoProduct = { id: string; title: string; checkout: DemoCheckout; badges?: string[]; available_at?: string };
const demo = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'demo', 'storefront.json'), 'utf8'),
) as { products: DemoProduct[]; collections: Array<{ title: string; products: string[] }> };
const byId = new Map(demo.products.map((p) => [p.id, p]));

const card = (page: Page, title: string) =>
  page.locator('section.collection li.product-card').filter({
    has: page.locator('span.product-title', { hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }),
  });

test.describe('collections on the home page', () => {
  test.beforeEach(async ({ page }) => {
    await open(page, '/', NOW, { clock: 'fixed' });
  });

  test('shows the three collections with 7, 6 and 7 products', async ({ page }) => {
    const sections = page.locator('section.collection');
    await expect(sections).toHaveCount(3);
    await expect(sections.getByRole('heading', { level: 2 })).toHaveText([
      'Kitchen & table',
      'Desk setup',
      'Weekend bag',
    ]);
    const counts = [7, 6, 7];
    for (const [index, count] of counts.entries()) {
      await expect(sections.nth(index).locator('ul.product-grid > li.product-card')).toHaveCount(count);
    }
    // The cards follow the order in the config.
    for (const [index, collection] of demo.collections.entries()) {
      await expect(sections.nth(index).locator('span.product-title')).toHaveText(
        collection.products.map((id) => byId.get(id)!.title),
      );
    }
  });

  test('the first card shows the sale price and the struck-through old price', async ({ page }) => {
    const first = page.locator('section.collection li.product-card').first();
    await expect(first.locator('span.product-title')).toHaveText('Speckled stoneware mug');
    await expect(first.locator('p.price span.now')).toHaveText('€32');
    const was = first.locator('p.price s.was');
    await expect(was).toHaveCount(1);
    await expect(was).toHaveText(/^\s*was\s*€38$/);
    // "was" is for screen readers only: present in the <s>, but visually hidden.
    const hidden = was.locator('.sr-only');
    await expect(hidden).toHaveText(/^was\s*$/);
    const box = await hidden.boundingBox();
    expect(box, 'visually hidden text still has a layout box').not.toBeNull();
    expect(box!.width * box!.height, 'visually hidden "was" covers at most one pixel').toBeLessThanOrEqual(1);
    expect(await hidden.evaluate((el) => getComputedStyle(el).overflow)).toBe('hidden');
  });

  test('every product image has alt text and explicit dimensions', async ({ page }) => {
    const images = page.locator('section.collection img.product-image');
    await expect(images).toHaveCount(20);
    const attributes = await images.evaluateAll((imgs) =>
      imgs.map((img) => ({
        src: img.getAttribute('src'),
        alt: img.getAttribute('alt'),
        width: img.getAttribute('width'),
        height: img.getAttribute('height'),
        loading: img.getAttribute('loading'),
      })),
    );
    for (const img of attributes) {
      expect(img.alt?.trim(), `alt of ${img.src}`).toBeTruthy();
      expect(img.width, `width of ${img.src}`).toMatch(/^[1-9]\d*$/);
      expect(img.height, `height of ${img.src}`).toMatch(/^[1-9]\d*$/);
    }
  });

  test('only the first two product images load eagerly; the rest are lazy', async ({ page }) => {
    const loading = await page
      .locator('section.collection img.product-image')
      .evaluateAll((imgs) => imgs.map((img) => img.getAttribute('loading')));
    expect(loading).toHaveLength(20);
    expect(loading.slice(0, 2), 'first two images').not.toContain('lazy');
    expect(loading.slice(2), 'images after the first two').toEqual(Array(18).fill('lazy'));
  });

  test('sold-out products say "Sold out" and have no Buy link', async ({ page }) => {
    for (const title of ['Everyday glazed bowl', 'Point-and-shoot film camera']) {
      const soldOut = card(page, title);
      await expect(soldOut).toHaveCount(1);
      await expect(soldOut.locator('.buy.sold-out')).toHaveText('Sold out');
      await expect(soldOut.locator('a.buy:visible')).toHaveCount(0);
      await expect(page.getByRole('link', { name: `Buy ${title}` })).toHaveCount(0);
    }
  });

  test('one-product checkouts are plain Buy links; Shopify products get Add buttons', async ({ page }) => {
    const napkinsBuy = page.getByRole('link', { name: 'Buy Stonewashed linen napkins (set of 4)', exact: true });
    // Its click id is in the link from the start (issue #12: copied links keep it).
    await expect(napkinsBuy).toHaveAttribute('href', /^https:\/\/linenhaus\.example\/products\/linen-napkins\?click_id=[0-9a-f-]{36}$/);

    const listed = demo.collections
      .flatMap((c) => c.products)
      .map((id) => byId.get(id)!)
      .filter((p) => !(p.badges ?? []).includes('sold_out') && !(p.available_at && Date.parse(p.available_at) > Date.parse(NOW)));
    const sellable = listed.filter((p) => p.checkout.kind !== 'shopify');
    const addable = listed.filter((p) => p.checkout.kind === 'shopify');
    await expect(page.locator('section.collection button.buy:visible')).toHaveText(addable.map(() => 'Add'));
    for (const p of addable) {
      await expect(page.getByRole('button', { name: `Add ${p.title} to cart`, exact: true })).toHaveCount(1);
    }
    const links = page.locator('section.collection a.buy:visible');
    await expect(links).toHaveCount(sellable.length);
    const found = await links.evaluateAll((anchors) =>
      anchors.map((a) => ({
        tag: a.tagName,
        label: a.getAttribute('aria-label'),
        href: a.getAttribute('href'),
        onclick: a.getAttribute('onclick'),
        role: a.getAttribute('role'),
      })),
    );
    // Each link is the product's own checkout URL with the click id it will carry.
    const clickId = /(click_id|click_id%5D|client_reference_id)=[0-9a-f-]{36}/;
    for (const f of found) expect(f.href).toMatch(clickId);
    expect(found.map((f) => ({ ...f, href: f.href!.split('?')[0] }))).toEqual(
      sellable.map((p) => ({ tag: 'A', label: `Buy ${p.title}`, href: p.checkout.url.split('?')[0], onclick: null, role: null })),
    );
  });

  test('tapping Buy navigates the browser to the shop (no in-app interception)', async ({ page }) => {
    // The outside network is unreachable, so stand in for the shop's page.
    await page.route('https://linenhaus.example/**', (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Checkout</title><h1>Checkout</h1>' }),
    );
    await page.getByRole('link', { name: 'Buy Stonewashed linen napkins (set of 4)', exact: true }).click();
    // The shop URL carries the tap's click id, so the order can be joined to the click.
    await expect(page).toHaveURL(/^https:\/\/linenhaus\.example\/products\/linen-napkins\?click_id=[0-9a-f-]{36}$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Checkout');
  });
});

test.describe('collections for a German shopper', () => {
  test.use({ locale: 'de-DE' });

  test('the mug price reads "32 €"', async ({ page }) => {
    await open(page, '/', NOW, { clock: 'fixed' });
    const now = page.locator('section.collection li.product-card').first().locator('p.price span.now');
    await expect(now).toHaveText(/^32\s€$/);
    expect(normaliseSpaces(await now.textContent())).toBe('32 €');
  });
});

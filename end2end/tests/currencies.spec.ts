// Prices in other currencies, and a cart that cannot mix them. The demo is one creator in
// one currency (as a real shop is); this bakes its "currencies" variant (the matcha set
// in yen, the silk scarf in US dollars, the film camera in pounds: tools/demo-variant.mjs)
// into a copy of the built site, served on a random port and stopped by its PID.
import { test, expect, open } from './fixtures';
import { serveCopy, ROOT, type Served } from './serve-copy';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from '@playwright/test';

const DIST = process.env.DIST_DIR || join(ROOT, 'dist');
const OUT = join(ROOT, 'target/demo-currencies');
const NOW = '2026-11-20T12:00:00Z';

let served: Served | undefined;
let base = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  execFileSync('node', [join(ROOT, 'end2end/tools/demo-variant.mjs'), DIST, 'currencies', OUT], { stdio: 'pipe' });
  served = await serveCopy(OUT);
  base = served.base;
});

test.afterAll(() => served?.stop());

const card = (page: Page, title: string) => page.locator('li.product-card').filter({ hasText: title });

test('each price is written in its own currency for the shopper (en-GB)', async ({ page }) => {
  await open(page, `${base}/`, NOW, { clock: 'fixed' });
  await expect(card(page, 'Bamboo matcha whisk set').locator('p.price span.now')).toHaveText('JP¥3,800');
  await expect(card(page, 'Printed silk scarf').locator('p.price span.now')).toHaveText('US$68');
  await expect(card(page, 'Point-and-shoot film camera').locator('p.price span.now')).toHaveText('£95');
});

test('a product in another currency than the cart says "Checks out separately"', async ({ page }) => {
  await open(page, `${base}/`, NOW, { clock: 'fixed' });
  await page.getByRole('button', { name: 'Add Heavy canvas market tote to cart' }).click();
  // Same shop as the tote, priced in US dollars: one checkout cannot take both.
  const scarf = card(page, 'Printed silk scarf');
  await expect(scarf.getByText('Checks out separately')).toBeVisible();
  await expect(scarf.getByRole('button', { name: /^Add/ })).toHaveCount(0);
  await expect(scarf.getByRole('link', { name: 'Buy Printed silk scarf' })).toHaveAttribute(
    'href',
    /^https:\/\/juno-shop\.example\/cart\/44012345678907:1/,
  );
});

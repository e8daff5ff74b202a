// Each page carries only what it shows (issue #11), yet the cart on every page holds
// products of other pages: it fetches them (p/<id>/product.txt) and prices, totals and
// checks out as if the whole shop were there, whether the page changed in place or
// was loaded afresh.
import { test, expect, open, waitForApp } from './fixtures';
import type { Page } from '@playwright/test';

const NOW = '2026-11-20T12:00:00Z';
const bar = (page: Page) => page.getByRole('link', { name: /View cart/ });
const samePage = (page: Page) => page.evaluate(() => (window as unknown as Record<string, number>).samePage);

/** The cart page with the speckled mug and the travel mug, JUNO15 applied (15 % off both). */
async function expectTwoMugs(page: Page) {
  const lines = page.locator('li.line');
  await expect(lines).toHaveCount(2);
  await expect(lines.nth(0).locator('.line-title')).toHaveText('Speckled stoneware mug');
  await expect(lines.nth(0).locator('.line-total')).toHaveText('€32');
  await expect(lines.nth(1).locator('.line-title')).toHaveText('Insulated travel mug');
  await expect(lines.nth(1).locator('.line-total')).toHaveText('€34');
  const totals = page.locator('dl.totals');
  await expect(totals).toContainText('Subtotal€66');
  await expect(totals).toContainText('Discount−€9.90');
  await expect(totals).toContainText('Total€56.10');
  await expect(page.getByRole('link', { name: 'Check out at fable-studio.example' })).toHaveAttribute(
    'href',
    /^https:\/\/fable-studio\.example\/cart\/44012345678901:1,44012345678906:1\?discount=JUNO15&ref=juno-park&attributes%5Bclick_id%5D=[0-9a-f-]{36}$/,
  );
}

test('a cart filled on two product pages is whole on each page and at the cart', async ({ page }) => {
  // The data of each product page holds that product alone.
  const mugPage = await (await page.request.get('/p/speckled-mug/')).text();
  expect(mugPage).not.toContain('Insulated travel mug');

  await open(page, '/p/speckled-mug/?code=JUNO15', NOW, { clock: 'fixed' });
  await page.evaluate(() => ((window as unknown as Record<string, number>).samePage = 1));
  await page.getByRole('button', { name: 'Add to cart: Speckled stoneware mug' }).click();
  await expect(bar(page)).toContainText('1 item');
  await expect(bar(page)).toContainText('€27.20');

  // In place: home, then the travel mug's page, which does not carry the speckled mug.
  await page.locator('a.back').click();
  await page.locator('a.product-link[data-product="travel-mug"]').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Insulated travel mug');
  expect(await samePage(page)).toBe(1);
  await expect(bar(page)).toContainText('1 item');
  await expect(bar(page)).toContainText('€27.20');
  await page.getByRole('button', { name: 'Add to cart: Insulated travel mug' }).click();
  await expect(bar(page)).toContainText('2 items');
  await expect(bar(page)).toContainText('€56.10');

  // In place to the cart, which carries no product at all.
  await bar(page).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
  expect(await samePage(page)).toBe(1);
  await expectTwoMugs(page);

  // Loaded afresh: another product page, then the cart.
  await page.goto('/p/pour-over-set/');
  await waitForApp(page);
  await expect(bar(page)).toContainText('2 items');
  await expect(bar(page)).toContainText('€56.10');
  await page.goto('/cart/');
  await waitForApp(page);
  await expectTwoMugs(page);

  // And it checks out with both lines and the code.
  await page.route('https://fable-studio.example/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Fable</title>' }),
  );
  await page.getByRole('link', { name: 'Check out at fable-studio.example' }).click();
  await expect(page).toHaveURL(
    /^https:\/\/fable-studio\.example\/cart\/44012345678901:1,44012345678906:1\?discount=JUNO15&ref=juno-park&attributes%5Bclick_id%5D=[0-9a-f-]{36}$/,
  );
});

test.describe('a product that left the shop', () => {
  // Its file answers 404, which the browser logs.
  test.use({ allowConsoleErrors: [/status of 404/] });

  test('its line is dropped; the rest stays', async ({ page }) => {
    await open(page, '/', NOW, { clock: 'fixed' });
    await page.evaluate(() => localStorage.setItem('linkshelf:cart', '1;;retired-vase:2,speckled-mug:1'));
    await page.goto('/cart/');
    await waitForApp(page);
    await expect(page.locator('li.line')).toHaveCount(1);
    await expect(page.locator('li.line .line-title')).toHaveText('Speckled stoneware mug');
    await expect(page.locator('dl.totals')).toContainText('Total€32');
    await expect.poll(() => page.evaluate(() => localStorage.getItem('linkshelf:cart'))).toBe('1;;speckled-mug:1');
  });
});

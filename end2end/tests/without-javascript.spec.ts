// With JavaScript off (some in-app browsers, reader modes, a blocked script) the shop is
// still all there: every product, price and code, product pages, Buy links and calendar
// files. Nothing says the shop needs JavaScript, and no button that needs it is shown.
import { test, expect } from './fixtures';

test.use({ javaScriptEnabled: false });

test('the home page shows the creator, products, prices and codes, and its links work', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Juno Park');
  await expect(page.locator('.product-card')).toHaveCount(20);
  await expect(page.locator('.product-card').first()).toContainText('€');
  const code = page.locator('.code-card .code').first();
  await expect(code).toBeVisible();
  await expect(code).toHaveCSS('user-select', 'all');
  await expect(page.getByRole('button', { name: /^Copy/ })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Add .* to cart$/ })).toHaveCount(0);
  await expect(page.getByText(/needs JavaScript|Loading the shop/)).toHaveCount(0);
  // A product sold through the cart gets its own Buy link instead of "Add".
  const buy = page.getByRole('link', { name: 'Buy Speckled stoneware mug' });
  await expect(buy).toBeVisible();
  await expect(buy).toHaveAttribute('href', /^https:\/\/[^/]+\/cart\/\d+:1$/);
  // Every pop-up's calendar file is a plain download.
  const ics = page.locator('a[href$=".ics"]');
  expect(await ics.count()).toBeGreaterThan(0);
  const file = await page.request.get(await ics.first().getAttribute('href') ?? '');
  expect(file.ok()).toBe(true);
  expect(await file.text()).toContain('BEGIN:VCALENDAR');
  await page.locator('a.product-link[href="/p/speckled-mug/"]').click();
  await expect(page).toHaveURL(/\/p\/speckled-mug\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Speckled stoneware mug');
});

test('a product page shows the product with a Buy link', async ({ page }) => {
  await page.goto('/p/speckled-mug/');
  const detail = page.locator('main.detail');
  await expect(detail.getByRole('heading', { level: 1 })).toHaveText('Speckled stoneware mug');
  await expect(detail).toContainText('€32');
  await expect(detail.locator('.description')).not.toBeEmpty();
  await expect(detail.getByRole('button')).toHaveCount(0);
  const buy = detail.getByRole('link', { name: /^Buy at / });
  await expect(buy).toBeVisible();
  await expect(buy).toHaveAttribute('href', /^https:\/\//);
  await detail.getByRole('link', { name: /shop$/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Juno Park');
});

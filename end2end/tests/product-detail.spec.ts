// A product's own page: reached from its card, by a shared deep link, and going back.
import { test, expect, open, waitForApp } from './fixtures';

const NOW = '2026-11-20T12:00:00Z';

test.describe('product detail page', () => {
  test('opening the first product shows its page, and Back returns to the shop', async ({ page }) => {
    await open(page, '/', NOW, { clock: 'fixed' });
    const firstLink = page.locator('section.collection li.product-card a.product-link').first();
    await expect(firstLink).toHaveAttribute('href', '/p/speckled-mug/');
    await firstLink.click();

    await expect(page).toHaveURL(/\/p\/speckled-mug\/$/);
    const detail = page.locator('main.detail');
    await expect(detail.getByRole('heading', { level: 1 })).toHaveText('Speckled stoneware mug');
    const slides = detail.locator('ul.gallery li.slide img');
    await expect(slides).toHaveCount(2);
    await expect(slides.nth(0)).toHaveAttribute('alt', 'Cream speckled ceramic mug on a sage background');
    await expect(slides.nth(1)).toHaveAttribute('alt', 'The speckled mug from above, filled with a latte');
    await expect(detail.locator('p.description')).toHaveText(
      'Hand-thrown stoneware with an oatmeal speckle glaze. Holds 350 ml, dishwasher safe, and every one is a little different.',
    );
    await expect(detail.getByRole('button', { name: 'Add to cart: Speckled stoneware mug' })).toHaveText('Add to cart');
    await expect(detail.locator('a.back')).toHaveAttribute('href', '/');

    await page.goBack();
    await expect(page).toHaveURL(/\/$/);
    expect(new URL(page.url()).pathname).toBe('/');
    await expect(page.locator('header.profile h1.name')).toHaveText('Juno Park');
    await expect(page.locator('header.profile')).toBeVisible();
    await expect(page.locator('main.detail')).toHaveCount(0);
  });

  test('a shared link to /p/linen-shirt/ opens the product directly', async ({ page }) => {
    const response = await open(page, '/p/linen-shirt/', NOW, { clock: 'fixed' });
    expect(response?.status()).toBe(200);
    await expect(page.locator('main.detail').getByRole('heading', { level: 1 })).toHaveText('Relaxed linen shirt');
    await expect(page.getByRole('link', { name: 'Buy at linenhaus.example' })).toHaveAttribute(
      'href',
      /^https:\/\/linenhaus\.example\/products\/linen-shirt\?click_id=[0-9a-f-]{36}$/,
    );
  });

  test('a shared link without the trailing slash still ends on the product', async ({ page }) => {
    await open(page, '/p/linen-shirt', NOW, { clock: 'fixed' });
    await expect(page.locator('main.detail').getByRole('heading', { level: 1 })).toHaveText('Relaxed linen shirt');
    expect(new URL(page.url()).pathname).toMatch(/^\/p\/linen-shirt\/?$/);
  });

});

test.describe('product paths that do not exist', () => {
  // Chromium logs the 404 of the document itself; that one is the point of this test.
  test.use({ allowConsoleErrors: [/Failed to load resource: the server responded with a status of 404/] });

  // Static hosts answer a missing path with 404.html, which the build writes as the
  // app: the status stays 404 and the shopper still gets a way back to the shop.
  test('an unknown product path gets a 404 that explains and links home', async ({ page }) => {
    const response = await page.goto('/p/no-such-thing/');
    expect(response, 'navigation response').not.toBeNull();
    expect(response!.status()).toBe(404);
    await waitForApp(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText("This product isn't here");
    await page.getByRole('link', { name: 'See the whole shop' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Juno Park');
    expect(new URL(page.url()).pathname).toBe('/');
  });

  test('any other missing path gets the page-not-found state', async ({ page }) => {
    const response = await page.goto('/no/such/page');
    expect(response!.status()).toBe(404);
    await waitForApp(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText("This page isn't here");
  });
});

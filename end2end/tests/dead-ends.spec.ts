// No dead ends (issue #12): the pages that end a path — thank-you, the empty cart, a
// missing page or product — lead back to the shop, the creator's picks and their socials.
import { test, expect, open } from './fixtures';

const NOW = '2026-11-20T12:00:00Z';
const PAGES = [
  { path: '/thanks/?order=1001', home: "Back to \u2068Juno Park\u2069's shop" },
  { path: '/cart/', home: 'Browse the shop' },
  { path: '/no-such-page/', home: 'See the whole shop' },
  { path: '/p/no-such-product/', home: 'See the whole shop' },
];

for (const { path, home } of PAGES) {
  test.describe(path, () => {
    // A missing page is answered with 404.html and status 404, which Chromium logs.
    test.use({ allowConsoleErrors: [/status of 404 \(Not Found\)/] });
    test(`${path} leads back to the shop, the picks and the socials`, async ({ page }) => {
      await open(page, path, NOW, { clock: 'fixed' });
      await expect(page.getByRole('link', { name: home })).toHaveAttribute('href', '/');
      const way = page.getByRole('navigation', { name: "Juno Park's picks" });
      // The first product of each collection, each a link to its page.
      await expect(way.locator('a.pick')).toHaveText(['Speckled stoneware mug', 'Walnut desk tray', 'Heavy canvas market tote']);
      await expect(way.getByRole('link', { name: 'Walnut desk tray' })).toHaveAttribute('href', '/p/walnut-desk-tray/');
      await expect(way.getByRole('link', { name: 'Juno Park on Instagram' })).toHaveAttribute(
        'href',
        'https://www.instagram.com/junomakes',
      );
      // A pick opens its product page, where it can be bought.
      await way.getByRole('link', { name: 'Speckled stoneware mug' }).click();
      await expect(page).toHaveURL(/\/p\/speckled-mug\/$/);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Speckled stoneware mug');
      await expect(page.getByRole('button', { name: 'Add to cart: Speckled stoneware mug' })).toBeVisible();
    });
  });
}

test('a cart with things in it does not show the way back', async ({ page }) => {
  await open(page, '/p/speckled-mug/', NOW, { clock: 'fixed' });
  await page.getByRole('button', { name: 'Add to cart: Speckled stoneware mug' }).click();
  await page.getByRole('link', { name: /View cart/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
  await expect(page.getByRole('navigation', { name: "Juno Park's picks" })).toBeHidden();
});

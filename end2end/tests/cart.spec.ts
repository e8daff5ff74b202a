// The cart's rules as a shopper meets them: what can join, why not, the code field,
// the drop countdown, and the limits.
import { test, expect, open } from './fixtures';
import type { Page } from '@playwright/test';

const NOW = '2026-11-20T12:00:00Z';

const notice = (page: Page) => page.locator('p.notice');
const add = (page: Page, title: string) => page.getByRole('button', { name: `Add ${title} to cart` }).click();

test.describe('the cart', () => {
  test.beforeEach(async ({ page }) => {
    await open(page, '/', NOW, { clock: 'fixed' });
  });

  test('products of another shop say "Checks out separately" before the tap', async ({ page }) => {
    const card = (title: string) => page.locator('li.product-card').filter({ hasText: title });
    const tote = card('Heavy canvas market tote');
    await expect(tote.getByRole('button', { name: 'Add Heavy canvas market tote to cart' })).toBeVisible();
    await expect(tote.getByText('Checks out separately')).toBeHidden();
    await add(page, 'Speckled stoneware mug');
    await expect(notice(page)).toHaveText('Added Speckled stoneware mug to your cart');
    // The cart checks out at Fable Studio's shop: the tote (another shop) is bought on its
    // own, from its own checkout link, and says so before anyone taps.
    await expect(tote.getByRole('button', { name: /^Add/ })).toHaveCount(0);
    await expect(tote.getByText('Checks out separately')).toBeVisible();
    const buy = tote.getByRole('link', { name: 'Buy Heavy canvas market tote' });
    await expect(buy).toHaveAttribute('href', /^https:\/\/juno-shop\.example\/cart\/44012345678905:1/);
    await expect(page.getByRole('link', { name: /View cart/ })).toContainText('1 item');
    // Emptied, the cart takes the other shop, and then the mug is the one apart.
    await page.getByRole('group', { name: 'Speckled stoneware mug in your cart' }).getByRole('button', { name: 'One fewer' }).click();
    await expect(notice(page)).toHaveText('Removed Speckled stoneware mug from your cart');
    await expect(page.getByRole('link', { name: /View cart/ })).toHaveCount(0);
    await expect(tote.getByText('Checks out separately')).toBeHidden();
    await add(page, 'Heavy canvas market tote');
    await expect(card('Speckled stoneware mug').getByText('Checks out separately')).toBeVisible();
    // (A cart's other currency: currencies.spec.ts, on a variant of the demo.)
  });

  test('sold-out products and drops cannot be added; a drop names its day', async ({ page }) => {
    await expect(page.getByRole('button', { name: 'Add Everyday glazed bowl to cart' })).toHaveCount(0);
    const cubes = page.locator('li.product-card').filter({ hasText: 'Packing cubes (set of 3)' });
    await expect(cubes.locator('.buy.upcoming')).toHaveText('Drops 1 Mar');
    await expect(cubes.getByRole('button')).toHaveCount(0);
  });

  test('on its last day a drop counts the hours', async ({ page }) => {
    // 1 Mar 2027, 18:00 Berlin = 17:00 UTC.
    await open(page, '/', '2027-03-01T11:30:00Z', { clock: 'fixed' });
    const cubes = page.locator('li.product-card').filter({ hasText: 'Packing cubes (set of 3)' });
    await expect(cubes.locator('.buy.upcoming')).toHaveText('Drops in 5 h');
  });

  test('quantity stops at 10 and says so', async ({ page }) => {
    await add(page, 'Insulated travel mug');
    const more = page.getByRole('group', { name: 'Insulated travel mug in your cart' }).getByRole('button', { name: 'One more' });
    for (let i = 0; i < 9; i++) await more.click();
    await expect(page.getByRole('group', { name: 'Insulated travel mug in your cart' }).locator('output')).toHaveText('10');
    // aria-disabled (not disabled): it stays focusable and a tap says why it does nothing.
    await expect(more).toHaveAttribute('aria-disabled', 'true');
    await more.click({ force: true });
    await expect(notice(page)).toHaveText("That's as many as one order can take (10).");
    await expect(page.getByRole('group', { name: 'Insulated travel mug in your cart' }).locator('output')).toHaveText('10');
  });

  test('typed codes: unknown, not applying and why, then one that applies', async ({ page }) => {
    await add(page, 'Speckled stoneware mug');
    await page.goto('/cart/');
    await page.locator('html[data-ready]').waitFor({ state: 'attached' });
    const field = page.getByRole('textbox', { name: 'Discount code' });
    await field.fill('NOPE');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByRole('alert')).toHaveText('"NOPE" isn\'t one of this shop\'s codes. Check the spelling?');
    await expect(field).toHaveAttribute('aria-invalid', 'true');

    // An ended code is refused; one that has not started is kept, with the reason.
    await field.fill(' juno5 ');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByRole('alert')).toHaveText('JUNO5 has ended.');
    await field.fill('junoships');
    await page.getByRole('button', { name: 'Apply' }).click();
    const applied = page.locator('.applied');
    await expect(applied).toContainText('JUNOSHIPS');
    await expect(applied.locator('.reason')).toHaveText("This code isn't active yet.");
    await expect(page.locator('dl.totals')).toContainText('Total€32');

    await field.fill('JUNO15');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(applied.locator('.reason')).toBeHidden();
    await expect(page.locator('dl.totals')).toContainText('Discount−€4.80');
    await expect(page.locator('dl.totals')).toContainText('Total€27.20');
    await expect(page.getByRole('link', { name: 'Check out at fable-studio.example' })).toHaveAttribute(
      'href',
      /^https:\/\/fable-studio\.example\/cart\/44012345678901:1\?discount=JUNO15&ref=juno-park&attributes%5Bclick_id%5D=[0-9a-f-]{36}$/,
    );
    await page.getByRole('button', { name: 'Remove code JUNO15' }).click();
    await expect(page.locator('dl.totals')).toContainText('Total€32');
  });

  test('a payment-link product is bought straight away, with the applied code', async ({ page }) => {
    // The Paperday notebook sells on Gumroad: the code goes into the link's path.
    await page.route('https://paperday.gumroad.com/**', (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Gumroad</title>' }),
    );
    await open(page, '/?code=JUNO15', NOW, { clock: 'fixed' });
    await page.getByRole('link', { name: 'Buy Dot-grid notebook A5', exact: true }).click();
    // JUNO15 is Fable Studio's: it does not cover the notebook, so no code travels.
    await expect(page).toHaveURL(/^https:\/\/paperday\.gumroad\.com\/l\/dot-grid\?click_id=[0-9a-f-]{36}$/);
  });
});

test('keyboard focus never lands under the cart bar', async ({ page }) => {
  await open(page, '/', NOW, { clock: 'fixed' });
  await page.getByRole('button', { name: 'Add Speckled stoneware mug to cart' }).click();
  const bar = page.getByRole('link', { name: /View cart/ });
  await expect(bar).toBeVisible();
  // Tab through the whole page; every focused control must sit wholly above the bar.
  const hidden: string[] = [];
  for (let i = 0; i < 120; i++) {
    await page.keyboard.press('Tab');
    const where = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      const bar = document.querySelector('a.cart-bar') as HTMLElement | null;
      if (!el || !bar || el === bar || el === document.body) return null;
      const r = el.getBoundingClientRect();
      const b = bar.getBoundingClientRect();
      return { name: el.getAttribute('aria-label') || el.textContent?.trim() || el.tagName, under: r.bottom > b.top && r.top < b.bottom };
    });
    if (where?.under) hidden.push(where.name);
  }
  expect(hidden).toEqual([]);
});

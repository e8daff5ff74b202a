// Every page is written at build time: the first paint is the page itself, the app takes
// that HTML over without re-creating it, and another page of the shop is taken over in
// place. The WASM request is held back here to see the page before the app runs.
import { test, expect, waitForApp } from './fixtures';
import { expectNoViolations } from './axe';
import type { Page } from '@playwright/test';

/** Holds every WASM request until the returned function is called. */
async function holdWasm(page: Page) {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/*.wasm', async (route) => {
    await released;
    await route.continue();
  });
  return release;
}

const ROUTES = ['/', '/p/speckled-mug/', '/cart/', '/thanks/', '/no-such-page/'];

test('before the app runs, the home page shows the shop and its links work', async ({ page }) => {
  await holdWasm(page);
  await page.goto('/');
  await expect(page.locator('html[data-ready]')).toHaveCount(0);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Juno Park');
  await expect(page.locator('.product-card')).toHaveCount(20);
  await expect(page.locator('.code-card').first()).toContainText('15% off');
  await expect(page.locator('a.product-link[href="/p/speckled-mug/"]')).toHaveCount(1);
  const ics = page.locator('a[href$=".ics"]').first();
  await expect(ics).toBeVisible();
  // A product page is a real file: the link opens it, written out too.
  await page.locator('a.product-link[href="/p/speckled-mug/"]').click();
  await expect(page).toHaveURL(/\/p\/speckled-mug\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Speckled stoneware mug');
  await expect(page.locator('main.detail')).toContainText('€32');
});

test('the app takes the page over without re-creating it', async ({ page }) => {
  const release = await holdWasm(page);
  await page.goto('/');
  await page.evaluate(() => {
    const w = window as unknown as Record<string, Element | null>;
    w.probeHeading = document.querySelector('h1');
    w.probeCard = document.querySelector('.product-card');
  });
  release();
  await waitForApp(page);
  const same = await page.evaluate(() => {
    const w = window as unknown as Record<string, Element | null>;
    return {
      heading: w.probeHeading?.isConnected === true && document.querySelector('h1') === w.probeHeading,
      card: w.probeCard?.isConnected === true && document.querySelector('.product-card') === w.probeCard,
    };
  });
  expect(same).toEqual({ heading: true, card: true });
  // And it is the live page now: a code copies, the cart takes a product.
  await page.getByRole('button', { name: 'Add Speckled stoneware mug to cart' }).click();
  await expect(page.getByRole('link', { name: /View cart/ })).toBeVisible();
});

test('another page of the shop is taken over in place, and the cart comes along', async ({ page }) => {
  await page.goto('/');
  await waitForApp(page);
  await page.evaluate(() => ((window as unknown as Record<string, number>).samePage = 1));
  await page.getByRole('button', { name: 'Add Speckled stoneware mug to cart' }).click();
  await page.locator('a.product-link[href="/p/speckled-mug/"]').click();
  await expect(page).toHaveURL(/\/p\/speckled-mug\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Speckled stoneware mug');
  await expect(page).toHaveTitle('Speckled stoneware mug · Juno Park');
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
  expect(await page.evaluate(() => (window as unknown as Record<string, number>).samePage)).toBe(1);
  await expect(page.getByRole('link', { name: /View cart/ })).toContainText('1 item');
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Juno Park');
  expect(await page.evaluate(() => (window as unknown as Record<string, number>).samePage)).toBe(1);
});

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`before the app runs, in ${colorScheme} mode`, () => {
    test.use({ colorScheme });
    // The host answers a missing path with 404.html and a 404 status, which the
    // browser logs.
    test.use({ allowConsoleErrors: [/status of 404 \(Not Found\)/] });
    for (const path of ROUTES) {
      test(`${path} has no WCAG 2.2 A/AA violations`, async ({ page }) => {
        await holdWasm(page);
        await page.goto(path);
        // The page of missing paths holds both wordings, one shown (`ui::not_found`).
        await expect(page.locator('main h1:visible')).toHaveCount(1);
        await expect(page.locator('html[data-ready]')).toHaveCount(0);
        await expectNoViolations(page);
      });
    }
  });
}

// The page of missing paths is one file: before the app runs, its own script picks the
// wording for a product's path (the app draws nothing for it).
test.describe('the page of missing paths', () => {
  test.use({ allowConsoleErrors: [/status of 404 \(Not Found\)/] });
  test('a missing product says so before the app runs, and a missing page says so too', async ({ page }) => {
    await holdWasm(page);
    await page.goto('/p/no-such-product/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText("This product isn't here");
    await page.goto('/no-such-page/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText("This page isn't here");
  });
});

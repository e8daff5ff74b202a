// Automated WCAG 2.0/2.1/2.2 A/AA checks with axe, on every route and state, in light
// and dark mode.
import { test, expect, open, waitForApp, DATA_ELEMENT } from './fixtures';
import { expectNoViolations } from './axe';
import type { Page } from '@playwright/test';

// A moment with the most on screen: a live stream, every pop-up and a code.
const NOW = '2026-11-27T18:30:00Z';

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`accessibility in ${colorScheme} mode`, () => {
    test.use({ colorScheme });

    test('the home page has no WCAG 2.2 A/AA violations', async ({ page }) => {
      await open(page, '/', NOW, { clock: 'fixed' });
      await expect(page.locator('li.popup.live')).toHaveCount(1);
      await expectNoViolations(page);
    });

    test('the home page after copying a code has no WCAG 2.2 A/AA violations', async ({ page, context }) => {
      await context.grantPermissions(['clipboard-read', 'clipboard-write']);
      // The button's text and name change for 2.5 s ("Copied"). The app's timer runs on
      // Playwright's fake clock, paused below so the state stays; axe needs timers that
      // run, so it gets the browser's own (kept aside before the clock was faked).
      await page.addInitScript(() => {
        const w = window as unknown as Record<string, unknown>;
        w.__realTimers = [window.setTimeout, window.clearTimeout];
      });
      await open(page, '/', NOW);
      await page.clock.pauseAt(new Date('2026-11-27T18:31:00Z'));
      await page.getByRole('button', { name: 'Copy code JUNO15' }).click();
      const copied = page.getByRole('button', { name: 'Copied code JUNO15' });
      await expect(copied).toHaveText('Copied');
      await page.evaluate(() => {
        const w = window as unknown as { __realTimers: [typeof setTimeout, typeof clearTimeout] };
        [window.setTimeout, window.clearTimeout] = w.__realTimers;
      });
      await expectNoViolations(page);
      await expect(copied).toHaveText('Copied');
    });

    test('the product page has no WCAG 2.2 A/AA violations', async ({ page }) => {
      await open(page, '/p/speckled-mug/', NOW, { clock: 'fixed' });
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Speckled stoneware mug');
      await expectNoViolations(page);
    });

    test('the product page with the item in the cart has no WCAG 2.2 A/AA violations', async ({ page }) => {
      await open(page, '/p/speckled-mug/?code=JUNO15', NOW, { clock: 'fixed' });
      await page.getByRole('button', { name: 'Add to cart: Speckled stoneware mug' }).click();
      await expect(page.getByRole('group', { name: 'Speckled stoneware mug in your cart' })).toBeVisible();
      await expect(page.locator('main.detail .with-code')).toContainText('JUNO15');
      await expectNoViolations(page);
    });

    test('the cart bar, the notice and the cart page have no WCAG 2.2 A/AA violations', async ({ page }) => {
      // JUNOSHIPS has not started by then: the cart shows it with the reason it does not apply.
      await open(page, '/?code=JUNOSHIPS', NOW, { clock: 'fixed' });
      await page.getByRole('button', { name: 'Add Speckled stoneware mug to cart' }).click();
      await expect(page.locator('p.notice')).toHaveText('Added Speckled stoneware mug to your cart');
      // The sticky bar covers part of whatever scrolls under it, and axe measures what
      // is left of each target at the moment it runs: a product row can land anywhere
      // under it. Checked with the page at its end, where the bar rests over the footer;
      // the bar's own name, contrast and size are what this check is for. (Keyboard
      // focus never lands under it: `scroll-padding-bottom`, style/main.css.)
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await expectNoViolations(page);
      await page.getByRole('link', { name: /View cart/ }).click();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
      await expect(page.locator('.applied .reason')).toHaveText("This code isn't active yet.");
      await expectNoViolations(page);
    });

    test('the thank-you page has no WCAG 2.2 A/AA violations', async ({ page }) => {
      await open(page, '/thanks/?order=1001', NOW, { clock: 'fixed' });
      await expect(page.locator('.order-id')).toHaveText('1001');
      await expectNoViolations(page);
    });

    test('the error state has no WCAG 2.2 A/AA violations', async ({ page }) => {
      await page.route('**/*', async (route) => {
        if (route.request().resourceType() !== 'document') return route.fallback();
        const response = await route.fetch();
        const html = (await response.text()).replace(DATA_ELEMENT, '');
        await route.fulfill({ response, body: html });
      });
      await page.goto('/');
      await waitForApp(page);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText("This shop couldn't load");
      await expectNoViolations(page);
    });

    test.describe(() => {
      // The host answers these paths with 404.html and a 404 status, which Chromium logs.
      test.use({ allowConsoleErrors: [/status of 404 \(Not Found\)/] });

      test('the not-found pages have no WCAG 2.2 A/AA violations', async ({ page }) => {
        // A path the static host has no file for: it answers with 404.html.
        const response = await open(page, '/no-such-page/', NOW, { clock: 'fixed' });
        expect(response?.status()).toBe(404);
        await expect(page.getByRole('heading', { level: 1 })).toHaveText("This page isn't here");
        await expectNoViolations(page);
        // A product page for an id the shop does not have.
        await open(page, '/p/x/', NOW, { clock: 'fixed' });
        await expect(page.getByRole('heading', { level: 1 })).toHaveText("This product isn't here");
        await expectNoViolations(page);
      });
    });
  });
}

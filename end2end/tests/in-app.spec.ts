// In-app browsers (issue #14, point 1): with a real app's user agent, the page offers the
// way out that is known to work there ("Open in your browser" / "Open in Safari") and
// "Copy link" everywhere, below the Buy link, the cart's checkout and a pop-up's
// calendar links; the dead `.ics` download is gone; and the link out carries the visit's
// campaign and its id. Outside an app, none of it shows.
import { test, expect, open } from './fixtures';
import { expectNoViolations } from './axe';
import type { Page } from '@playwright/test';

const NOW = '2026-11-20T12:00:00Z';
// Real user agents (the same strings as core/src/in_app.rs's table).
const AGENTS = {
  instagramAndroid:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240905.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.58 Mobile Safari/537.36 Instagram 355.1.0.44.103 Android (34/14; 420dpi; 1080x2205; Google/google; Pixel 8; shiba; shiba; en_US; 658190016)',
  instagramIos:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/22F76 Instagram 393.1.0.36.70 (iPhone15,3; iOS 18_5; en_US; en; scale=3.00; 1290x2796; IABMV/1; 776538208) Safari/604.1',
  tiktokIos:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari/604.1 musical_ly_41.9.0',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Mobile Safari/537.36',
};
const PRODUCT = '/p/speckled-mug/';
const LANDING = '?utm_source=instagram&utm_campaign=winter-drop&fbclid=IwAR1';

const bar = (page: Page) => page.locator('main .in-app').first();

/** The page load id every event of this page carries (the visit the jump continues). */
async function escapeParts(page: Page) {
  const copy = bar(page).getByRole('button', { name: 'Copy link' });
  const url = new URL((await copy.getAttribute('data-url')) ?? '');
  return { url, copy };
}

test.describe('Instagram on Android', () => {
  test.use({ userAgent: AGENTS.instagramAndroid });

  test('below the Buy link: open in the default browser (an intent link) or copy a link that keeps the visit', async ({
    page,
    context,
    baseURL,
  }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await open(page, PRODUCT + LANDING, NOW);
    await expect(bar(page)).toBeVisible();
    await expect(bar(page)).toContainText("You're in Instagram's browser");
    // Below what it helps with: the Buy/Add control comes first.
    const order = await page.evaluate(() => {
      const barEl = document.querySelector('main .in-app')!;
      const control = document.querySelector('main .info .buy, main .info .cart-control, main .info a.button.primary, main .info button')!;
      return control.compareDocumentPosition(barEl) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    expect(order, 'the bar follows the Buy control').toBeTruthy();

    const { url, copy } = await escapeParts(page);
    expect(url.origin + url.pathname).toBe(new URL(PRODUCT, baseURL).href);
    expect(url.searchParams.get('utm_source')).toBe('instagram');
    expect(url.searchParams.get('utm_campaign')).toBe('winter-drop');
    expect(url.searchParams.get('fbclid')).toBe('IwAR1');
    const visit = url.searchParams.get('from_visit');
    expect(visit).toMatch(/^[0-9a-f-]{36}$/);

    const openLink = bar(page).getByRole('link', { name: 'Open in your browser' });
    const host = new URL(baseURL!).host;
    await expect(openLink).toHaveAttribute(
      'href',
      `intent://${host}${PRODUCT}${url.search}#Intent;scheme=http;end`,
    );

    await copy.click();
    await expect(bar(page).getByRole('button', { name: 'Link copied' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url.href);
  });

  test('a pop-up hides its calendar download and offers Google Calendar and the way out', async ({ page }) => {
    await open(page, '/', NOW);
    const calendar = page.locator('.popup .calendar').first();
    await expect(calendar.getByRole('link', { name: /Google Calendar/ })).toBeVisible();
    await expect(calendar.locator('a[download]')).toBeHidden();
    const popupBar = page.locator('.popup .in-app').first();
    await expect(popupBar).toContainText("Instagram's browser can't save calendar files");
    await expect(popupBar.getByRole('link', { name: 'Open in your browser' })).toBeVisible();
  });

  test('the cart offers the way out below its checkout link', async ({ page }) => {
    await open(page, PRODUCT, NOW);
    await page.getByRole('button', { name: /^Add to cart/ }).first().click();
    await page.getByRole('link', { name: /View cart/ }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
    const cartBar = page.locator('main .in-app');
    await expect(cartBar).toBeVisible();
    const follows = await page.evaluate(() => {
      const checkout = document.querySelector('main a.checkout')!;
      return checkout.compareDocumentPosition(document.querySelector('main .in-app')!) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    expect(follows, 'below the checkout link').toBeTruthy();
    const copy = cartBar.getByRole('button', { name: 'Copy link' });
    expect(new URL((await copy.getAttribute('data-url')) ?? '').pathname).toBe('/cart/');
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`the bar passes axe (${scheme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await open(page, PRODUCT, NOW);
      await expect(bar(page)).toBeVisible();
      await expectNoViolations(page);
    });
  }
});

test.describe('TikTok on iOS', () => {
  test.use({ userAgent: AGENTS.tiktokIos });

  test('offers Safari through its scheme, and says Safari', async ({ page }) => {
    await open(page, PRODUCT, NOW);
    await expect(bar(page)).toContainText("You're in TikTok's browser");
    const { url } = await escapeParts(page);
    const link = bar(page).getByRole('link', { name: 'Open in Safari' });
    await expect(link).toHaveAttribute('href', `x-safari-${url.href}`);
  });
});

test.describe('Instagram on iOS', () => {
  test.use({ userAgent: AGENTS.instagramIos });

  test('no way out is known to work there: Copy link only, never a dead button', async ({ page, context }) => {
    await open(page, PRODUCT, NOW);
    await expect(bar(page)).toBeVisible();
    await expect(bar(page).getByRole('link')).toHaveCount(0);
    // A clipboard the app blocks: the link is shown to press and hold.
    await context.clearPermissions();
    await page.evaluate(() => {
      Object.defineProperty(navigator, 'clipboard', { configurable: true, get: () => undefined });
      document.execCommand = () => false;
    });
    await bar(page).getByRole('button', { name: 'Copy link' }).click();
    await expect(bar(page).locator('.in-app-link')).toContainText("Couldn't copy. Press and hold the link:");
    await expect(bar(page).locator('.in-app-link .selectable')).toHaveText(/\/p\/speckled-mug\/\?from_visit=/);
  });
});

test.describe('a real browser', () => {
  test.use({ userAgent: AGENTS.chromeAndroid });

  test('shows no bar and keeps the calendar download', async ({ page }) => {
    await open(page, PRODUCT, NOW);
    expect(await page.locator('.in-app').count(), 'the slot is on the page').toBeGreaterThan(0);
    for (const slot of await page.locator('.in-app').all()) await expect(slot).toBeHidden();
    await open(page, '/', NOW);
    await expect(page.locator('.popup .calendar a[download]').first()).toBeVisible();
    for (const slot of await page.locator('.in-app').all()) await expect(slot).toBeHidden();
  });
});

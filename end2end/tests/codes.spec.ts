// Discount codes: which show when, how their end is worded, and one-tap copy.
import { test, expect, open } from './fixtures';
import type { Page } from '@playwright/test';

const codesSection = (page: Page) => page.locator('section[aria-labelledby="codes-title"]');
const cards = (page: Page) => codesSection(page).locator('li.code-card');
/** JUNO15's copy button, before and after a copy. */
const COPY_OR_COPIED = /^Cop(?:y|ied) code JUNO15$/;

test.describe('which codes are shown', () => {
  test('during the Black Friday window only JUNO15 is shown', async ({ page }) => {
    await open(page, '/', '2026-11-27T18:30:00Z', { clock: 'fixed' });
    await expect(codesSection(page).getByRole('heading', { level: 2 })).toHaveText('Discount codes');
    await expect(cards(page)).toHaveCount(1);
    const card = cards(page).first();
    await expect(card.locator('span.code')).toHaveText('JUNO15');
    await expect(card.locator('p.offer')).toHaveText('15% off selected items');
    await expect(card.locator('p.brand')).toHaveText('with \u2068Fable Studio\u2069');
  });

  test('in mid-October only JUNO5 is shown', async ({ page }) => {
    await open(page, '/', '2026-10-15T12:00:00Z', { clock: 'fixed' });
    await expect(cards(page)).toHaveCount(1);
    const card = cards(page).first();
    await expect(card.locator('span.code')).toHaveText('JUNO5');
    await expect(card.locator('p.offer')).toHaveText('€5 off selected items over €40');
    await expect(card.locator('p.brand')).toHaveText('with \u2068Linenhaus\u2069');
  });

  test('in January only JUNOSHIPS is shown', async ({ page }) => {
    await open(page, '/', '2027-01-10T12:00:00Z', { clock: 'fixed' });
    await expect(cards(page)).toHaveCount(1);
    const card = cards(page).first();
    await expect(card.locator('span.code')).toHaveText('JUNOSHIPS');
    await expect(card.locator('p.offer')).toHaveText('Free shipping');
    await expect(card.locator('p.brand')).toHaveText('with \u2068Nordform\u2069');
  });

  test('JUNO15 names its last day, and counts the hours on it', async ({ page }) => {
    // It ends 24 Dec, 23:59 in Berlin (22:59 UTC).
    await open(page, '/', '2026-12-22T20:00:00Z', { clock: 'fixed' });
    await expect(cards(page)).toHaveCount(1);
    await expect(cards(page).first().locator('span.code')).toHaveText('JUNO15');
    await expect(cards(page).first().locator('p.ends')).toHaveText('Ends 24 Dec');
    await open(page, '/', '2026-12-24T18:30:00Z', { clock: 'fixed' });
    await expect(cards(page).first().locator('p.ends')).toHaveText('Ends in 4 hours');
  });
});

test.describe('a code\'s end for a shopper in Tokyo', () => {
  test.use({ timezoneId: 'Asia/Tokyo' });

  test('is the day in the shopper\'s own calendar', async ({ page }) => {
    // 22:59 UTC on 24 Dec is 07:59 on 25 Dec in Tokyo.
    await open(page, '/', '2026-12-20T12:00:00Z', { clock: 'fixed' });
    await expect(cards(page).first().locator('p.ends')).toHaveText('Ends 25 Dec');
  });
});

test.describe('copying a code', () => {
  test('copies JUNO15 with the Clipboard API and announces it', async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await open(page, '/', '2026-11-27T18:30:00Z');
    // Stop the clock so the 2.5 s "Copied" timeout only runs when the test says so.
    await page.clock.pauseAt(new Date('2026-11-27T18:31:00Z'));
    // Its name follows its text: "Copy code JUNO15", then "Copied code JUNO15".
    const button = page.getByRole('button', { name: COPY_OR_COPIED });
    const status = cards(page).first().getByRole('status');
    await expect(button).toHaveText('Copy');
    await expect(button).toHaveAccessibleName('Copy code JUNO15');
    await expect(status).toHaveText('');
    await button.click();
    await expect(button).toHaveText('Copied');
    await expect(button).toHaveAccessibleName('Copied code JUNO15');
    await expect(status).toContainText('Copied JUNO15 to the clipboard');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('JUNO15');
    // After a moment the button offers to copy again and the announcement clears.
    await page.clock.runFor(3000);
    await expect(button).toHaveText('Copy');
    await expect(button).toHaveAccessibleName('Copy code JUNO15');
    await expect(status).toHaveText('');
  });

  test('falls back to a selection copy when the in-app browser denies the Clipboard API', async ({ page }) => {
    await page.addInitScript(() => {
      const w = window as unknown as { __copied?: string; __writeTextCalls?: number };
      w.__writeTextCalls = 0;
      const clipboard = navigator.clipboard;
      const deny = () => {
        w.__writeTextCalls!++;
        return Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError'));
      };
      if (clipboard) {
        Object.defineProperty(clipboard, 'writeText', { configurable: true, value: deny });
      }
      document.addEventListener('copy', () => {
        let text = document.getSelection()?.toString() ?? '';
        const active = document.activeElement;
        if (!text && (active instanceof HTMLTextAreaElement || active instanceof HTMLInputElement)) {
          text = active.value.substring(active.selectionStart ?? 0, active.selectionEnd ?? 0);
        }
        w.__copied = text;
      });
    });
    await open(page, '/', '2026-11-27T18:30:00Z');
    await page.clock.pauseAt(new Date('2026-11-27T18:31:00Z'));
    // Its name follows its text: "Copy code JUNO15", then "Copied code JUNO15".
    const button = page.getByRole('button', { name: COPY_OR_COPIED });
    await button.click();
    await expect(button).toHaveText('Copied');
    await expect(button).toHaveAccessibleName('Copied code JUNO15');
    await expect(cards(page).first().getByRole('status')).toContainText('Copied JUNO15 to the clipboard');
    expect(await page.evaluate(() => (window as any).__writeTextCalls), 'writeText was tried first').toBe(1);
    expect(await page.evaluate(() => (window as any).__copied)).toBe('JUNO15');
  });
});

test.describe('a code that came with the link', () => {
  test('its card says it is applied, Copy steps back, and the cart bar carries it', async ({ page }) => {
    await open(page, '/?code=JUNO15', '2026-11-27T18:30:00Z', { clock: 'fixed' });
    const card = cards(page).first();
    // Its border turns to the success colour (the note says why).
    expect(await card.evaluate((el) => getComputedStyle(el).borderTopStyle)).toBe('solid');
    await expect(card.locator('p.applied-note')).toHaveText('Applied: 15% off the marked prices');
    // Nothing pops up over the page the shopper just opened.
    await expect(page.locator('p.notice')).toHaveText('');
    // Copy is still there, outlined rather than the card's filled main action.
    const copy = card.getByRole('button', { name: COPY_OR_COPIED });
    const filled = await copy.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(filled).toBe('rgba(0, 0, 0, 0)');
    // The covered products carry the price with it, on one line with the full price struck.
    const mug = page.locator('li.product-card').filter({ hasText: 'Speckled stoneware mug' });
    await expect(mug.locator('p.price')).toHaveText('€27.20 with \u2068JUNO15\u2069was €32');
    await page.getByRole('button', { name: 'Add Speckled stoneware mug to cart' }).click();
    await expect(page.getByRole('link', { name: /View cart/ }).locator('.cart-bar-code')).toHaveText('JUNO15');
  });

  test('without a code, no card claims to be applied and the bar carries no chip', async ({ page }) => {
    await open(page, '/', '2026-11-27T18:30:00Z', { clock: 'fixed' });
    await expect(cards(page).first().locator('p.applied-note')).toBeHidden();
    expect(await cards(page).first().evaluate((el) => getComputedStyle(el).borderTopStyle)).toBe('dashed');
    await page.getByRole('button', { name: 'Add Speckled stoneware mug to cart' }).click();
    await expect(page.getByRole('link', { name: /View cart/ }).locator('.cart-bar-code')).toBeHidden();
  });
});

// Every control a shopper can tap is at least 44 × 44 CSS px (Apple's and Material's
// minimum, stricter than WCAG 2.2's 24 px), on every route, at a phone's width.
import { test, expect, open } from './fixtures';

const NOW = '2026-11-20T12:00:00Z';
const MIN = 44;

const ROUTES = ['/', '/p/speckled-mug/', '/p/brass-pen/', '/cart/', '/thanks/?order=1001', '/no-such-page/'];

/** Every visible interactive element too small to tap, with its size. */
function tooSmall() {
  const selector = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  return [...document.querySelectorAll<HTMLElement>(selector)]
    .filter((el) => {
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      return style.visibility !== 'hidden' && box.width > 0 && box.height > 0;
    })
    .map((el) => {
      const box = el.getBoundingClientRect();
      const name = (el.getAttribute('aria-label') || el.textContent || el.tagName).trim().replace(/\s+/g, ' ');
      return { name: name.slice(0, 40), width: Math.round(box.width), height: Math.round(box.height) };
    })
    .filter(({ width, height }) => width < 44 || height < 44);
}

for (const path of ROUTES) {
  test.describe(path, () => {
    // The missing page is served with its 404 status, which the browser logs.
    if (path === '/no-such-page/') test.use({ allowConsoleErrors: [/status of 404 \(Not Found\)/] });
    test(`every tap target on ${path} is at least ${MIN} × ${MIN} px`, async ({ page }) => {
      await open(page, path, NOW);
      expect(await page.evaluate(tooSmall)).toEqual([]);
    });
  });
}

test('a filled cart\'s controls are at least 44 × 44 px too', async ({ page }) => {
  await open(page, '/p/speckled-mug/', NOW);
  await page.getByRole('button', { name: 'Add to cart: Speckled stoneware mug' }).click();
  expect(await page.evaluate(tooSmall)).toEqual([]);
  await page.getByRole('link', { name: /View cart/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
  expect(await page.evaluate(tooSmall)).toEqual([]);
});

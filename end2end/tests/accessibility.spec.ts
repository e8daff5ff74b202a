// Automated WCAG 2.1 A/AA checks with axe, in light and dark mode.
import AxeBuilder from '@axe-core/playwright';
import { test, expect, open, waitForApp, DATA_ELEMENT } from './fixtures';
import type { Page } from '@playwright/test';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
// A moment with the most on screen: a live stream, every pop-up and a code.
const NOW = '2026-11-27T18:30:00Z';

type AxeResults = Awaited<ReturnType<AxeBuilder['analyze']>>;

/** One readable paragraph per violation: rule, impact, help link and each failing node. */
function describe(violations: AxeResults['violations']): string {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => `    - ${n.target.join(' ')}\n      ${n.html.slice(0, 200)}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`)
        .join('\n');
      return `[${v.impact ?? 'unknown'}] ${v.id}: ${v.help}\n  ${v.helpUrl}\n${nodes}`;
    })
    .join('\n\n');
}

async function expectNoViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  // Compare a short summary (rule: failing elements) and print the details on failure.
  const summary = violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(summary, `axe found ${violations.length} violation(s):\n\n${describe(violations)}\n`).toEqual([]);
}

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`accessibility in ${colorScheme} mode`, () => {
    test.use({ colorScheme });

    test('the home page has no WCAG 2.1 A/AA violations', async ({ page }) => {
      await open(page, '/', NOW, { clock: 'fixed' });
      await expect(page.locator('li.popup.live')).toHaveCount(1);
      await expectNoViolations(page);
    });

    test('the product page has no WCAG 2.1 A/AA violations', async ({ page }) => {
      await open(page, '/p/speckled-mug/', NOW, { clock: 'fixed' });
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Speckled stoneware mug');
      await expectNoViolations(page);
    });

    test('the cart bar, the notice and the cart page have no WCAG 2.1 A/AA violations', async ({ page }) => {
      // JUNOSHIPS has not started by then: the cart shows it with the reason it does not apply.
      await open(page, '/?code=JUNOSHIPS', NOW, { clock: 'fixed' });
      await page.getByRole('button', { name: 'Add Speckled stoneware mug to cart' }).click();
      await expect(page.locator('p.notice')).toHaveText('Added Speckled stoneware mug to your cart');
      await expectNoViolations(page);
      await page.getByRole('link', { name: /View cart/ }).click();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
      await expect(page.locator('.applied .reason')).toHaveText("This code isn't active yet.");
      await expectNoViolations(page);
    });

    test('the thank-you page has no WCAG 2.1 A/AA violations', async ({ page }) => {
      await open(page, '/thanks/?order=1001', NOW, { clock: 'fixed' });
      await expect(page.locator('.order-id')).toHaveText('1001');
      await expectNoViolations(page);
    });

    test('the error state has no WCAG 2.1 A/AA violations', async ({ page }) => {
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
  });
}

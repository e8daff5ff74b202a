// The live demo (scripts/demo.sh) shows a broken config in the browser, not only in the
// terminal (issue #12): scripts/test.sh builds tests/fixtures/broken-storefront.json the
// demo's way (LINKSHELF_DEMO=1) into target/demo-problems before the end-to-end tests;
// this serves that page on a random port (stopped by its PID) and reads it in Chromium.
import { test, expect } from './fixtures';
import { expectNoViolations } from './axe';
import { serveCopy, ROOT, type Served } from './serve-copy';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(ROOT, 'target/demo-problems');
let served: Served | undefined;

test.beforeAll(async () => {
  expect(existsSync(join(DIR, 'index.html')), `${DIR} is built by scripts/test.sh first`).toBe(true);
  served = await serveCopy(DIR);
});

test.afterAll(() => served?.stop());

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(colorScheme, () => {
    test.use({ colorScheme });

    test('the page lists every problem with its field path, readably on a phone', async ({ page }) => {
      await page.goto(`${served!.base}/`);
      const alert = page.getByRole('alert');
      await expect(alert.getByRole('heading', { level: 1 })).toHaveText(
        "The shop isn't built: 5 problems in tests/fixtures/broken-storefront.json",
      );
      const problems = alert.locator('ol > li');
      await expect(problems).toHaveCount(5);
      await expect(problems.filter({ hasText: /^creator\.time_zone: unknown time zone/ })).toHaveCount(1);
      await expect(problems.filter({ hasText: 'products[0].price: "-12.00 EUR": a price cannot be negative' })).toHaveCount(1);
      await expect(problems.filter({ hasText: /^collections\[0\]\.products\[1\]: unknown product "tote-xl"/ })).toHaveCount(1);
      await expect(alert).toContainText('Fix them and save');
      // Nothing sticks out sideways on the phone.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await expectNoViolations(page);
    });
  });
}

// Every theme preset (issue #12) keeps the page accessible in light and dark: the demo is
// baked in each look into a copy of the built site (tools/demo-variant.mjs: no second
// Trunk build), served here on a random port and stopped by its PID, and checked with
// axe on the home page (live stream, applied code, cart bar), a product page, the cart
// and the missing page. The default look ("studio") is accessibility.spec.ts's.
import { test, expect, open } from './fixtures';
import { expectNoViolations } from './axe';
import { serveCopy, ROOT, type Served } from './serve-copy';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const DIST = process.env.DIST_DIR || join(ROOT, 'dist');
const NOW = '2026-11-27T18:30:00Z';

// What each look must show, as its own inline style sets it (core/src/theme.rs).
const LOOKS = {
  bold: { bg: ['#ffffff', '#09090b'], buttonRadius: '999px' },
  editorial: { bg: ['#fbf8f1', '#1a1714'], buttonRadius: '2px' },
  soft: { bg: ['#fdf2f4', '#1c1418'], buttonRadius: '999px' },
  mono: { bg: ['#ffffff', '#000000'], buttonRadius: '0px' },
} as const;

for (const [preset, look] of Object.entries(LOOKS)) {
  test.describe(`the ${preset} preset`, () => {
    test.describe.configure({ mode: 'serial' });
    let served: Served | undefined;
    let base = '';

    test.beforeAll(async () => {
      const out = join(ROOT, `target/preset-${preset}`);
      execFileSync('node', [join(ROOT, 'end2end/tools/demo-variant.mjs'), DIST, preset, out], { stdio: 'pipe' });
      served = await serveCopy(out);
      base = served.base;
    });

    test.afterAll(() => served?.stop());

    for (const [index, colorScheme] of (['light', 'dark'] as const).entries()) {
      test.describe(colorScheme, () => {
        test.use({ colorScheme });

        test(`every route has no WCAG 2.2 A/AA violations`, async ({ page }) => {
          await open(page, `${base}/?code=JUNO15`, NOW, { clock: 'fixed' });
          // The look is the preset's, not the default's.
          const style = await page.evaluate(() => {
            const root = getComputedStyle(document.documentElement);
            const button = document.querySelector('button.buy');
            return { bg: root.getPropertyValue('--bg').trim(), radius: button ? getComputedStyle(button).borderTopLeftRadius : '' };
          });
          expect(style).toEqual({ bg: look.bg[index], radius: look.buttonRadius });
          await expect(page.locator('li.popup.live')).toHaveCount(1);
          await expect(page.locator('li.code-card p.applied-note')).toBeVisible();
          await page.getByRole('button', { name: 'Add Speckled stoneware mug to cart' }).click();
          // The bar rests over the footer (see accessibility.spec.ts, "the cart bar").
          await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
          await expectNoViolations(page);

          await open(page, `${base}/p/speckled-mug/`, NOW, { clock: 'fixed' });
          await expect(page.getByRole('heading', { level: 1 })).toHaveText('Speckled stoneware mug');
          await expectNoViolations(page);

          await page.getByRole('link', { name: /View cart/ }).click();
          await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
          await expectNoViolations(page);

          await open(page, `${base}/thanks/?order=1001`, NOW, { clock: 'fixed' });
          await expect(page.getByRole('navigation', { name: "Juno Park's picks" })).toBeVisible();
          await expectNoViolations(page);
        });
      });
    }
  });
}

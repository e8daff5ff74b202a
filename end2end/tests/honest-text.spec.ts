// Creator text that is hostile but valid must not break the page: a 64-character code
// with no break, a very long title, right-to-left names, emoji. A second site is baked
// from tests/fixtures/hostile-storefront.json into a copy of the built dist
// (tools/bake-copy.mjs) and served here on a random port, stopped by its PID.
import { test, expect, open } from './fixtures';
import type { Page } from '@playwright/test';
import { serveCopy, ROOT, type Served } from './serve-copy';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const DIST = process.env.DIST_DIR || join(ROOT, 'dist');
const CONFIG = join(ROOT, 'tests/fixtures/hostile-storefront.json');
const OUT = join(ROOT, 'target/hostile-dist');
const NOW = '2026-11-27T18:30:00Z';
const NAME = 'مريم الخزف 🏺';
const CODE = 'SUPERLONGCODE0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmno';
const PHONE_WIDTH = 360;

let served: Served | undefined;
let base = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  execFileSync('node', [join(ROOT, 'end2end/tools/bake-copy.mjs'), DIST, CONFIG, OUT], { stdio: 'pipe' });
  served = await serveCopy(OUT);
  base = served.base;
});

test.afterAll(() => served?.stop());

test.use({ viewport: { width: PHONE_WIDTH, height: 780 } });

/** Nothing sticks out sideways: the page is no wider than the phone. */
async function expectNoSideways(page: Page) {
  const widths = await page.evaluate(() => ({
    document: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
  }));
  expect(widths.document, 'document.documentElement.scrollWidth').toBeLessThanOrEqual(PHONE_WIDTH);
  expect(widths.body, 'document.body.scrollWidth').toBeLessThanOrEqual(PHONE_WIDTH);
}

/**
 * `text` inside `container` is isolated from the words around it: the element holding
 * exactly it is a `<bdi>` or styled `unicode-bidi: isolate|plaintext`, or (in a line
 * that is one string) it sits between U+2068 FIRST STRONG ISOLATE and U+2069 POP.
 */
async function expectIsolated(page: Page, container: string, text: string) {
  const isolation = await page.locator(container).evaluate((root, wanted) => {
    if (root.textContent?.includes(`\u2068${wanted}\u2069`)) return 'FSI…PDI';
    const all = [root, ...root.querySelectorAll('*')];
    const holder = all.find((el) => el.textContent?.trim() === wanted);
    if (!holder) return 'not isolated: no element holds the text alone';
    return holder.tagName === 'BDI' ? 'bdi' : getComputedStyle(holder).unicodeBidi;
  }, text);
  expect(['bdi', 'isolate', 'plaintext', 'FSI…PDI'], `isolation of "${text}" in ${container}`).toContain(isolation);
}

test('the home page wraps a 64-character code and long titles inside a 360 px phone', async ({ page }) => {
  await open(page, `${base}/`, NOW, { clock: 'fixed' });
  await expect(page.locator('header.profile h1.name')).toHaveText(NAME);
  await expect(page.locator('span.code')).toHaveText(CODE);
  await expect(page.locator('li.popup.live')).toHaveCount(1);
  await expectNoSideways(page);
  // The code and the title are really there in full, on more than one line.
  const codeBox = await page.locator('span.code').boundingBox();
  expect(codeBox!.height, 'the code wraps').toBeGreaterThan(44);
  // Creator text next to our words is isolated.
  await expectIsolated(page, 'li.code-card p.brand', 'متجر الفخار Supercalifragilisticexpialidociousbrandnamewithoutspaces');
  await expectIsolated(page, 'li.popup:not(.live) p.place', 'סטודיו מרים Studioooooooooooooooooooooooooooooooooooooooo');
  await expectIsolated(page, 'li.popup.live a.button', 'إنستغرام Live');
});

test('a product page with the long code applied, and the cart, stay inside a 360 px phone', async ({ page }) => {
  await open(page, `${base}/p/long-mug/?code=${CODE}`, NOW, { clock: 'fixed' });
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Handmadeultrawide');
  await expect(page.locator('a.back')).toContainText(NAME);
  await expectIsolated(page, 'a.back', NAME);
  await page.getByRole('button', { name: /^Add to cart: Handmadeultrawide/ }).click();
  await expect(page.locator('main.detail .with-code')).toContainText(CODE);
  await expectIsolated(page, 'main.detail .with-code', CODE);
  await expectNoSideways(page);

  await page.getByRole('link', { name: /View cart/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
  await expect(page.locator('.applied')).toContainText(CODE);
  await expectIsolated(page, '.applied', CODE);
  await expectNoSideways(page);
});

test('the thank-you page isolates the creator name in "Back to …\'s shop"', async ({ page }) => {
  await open(page, `${base}/thanks/?order=1001`, NOW, { clock: 'fixed' });
  await expect(page.locator('main.thanks a.button')).toContainText(NAME);
  await expectIsolated(page, 'main.thanks a.button', NAME);
  await expectNoSideways(page);
});

// Issue #14, point 3: the same hostile text in the Spanish copy, whose sentences put the
// creator's words elsewhere ("Volver a la tienda de …"): still isolated, still inside
// the phone, our words in Spanish around them.
test('in the Spanish copy a right-to-left name stays isolated and the page inside a 360 px phone', async ({ page }) => {
  await open(page, `${base}/es/thanks/?order=1001`, NOW, { clock: 'fixed' });
  expect(await page.evaluate(() => document.documentElement.lang)).toBe('es');
  await expect(page.locator('main.thanks a.button')).toContainText('Volver a la tienda de');
  await expectIsolated(page, 'main.thanks a.button', NAME);
  await expectNoSideways(page);
  await open(page, `${base}/es/`, NOW, { clock: 'fixed' });
  await expectIsolated(page, 'li.code-card p.brand', 'متجر الفخار Supercalifragilisticexpialidociousbrandnamewithoutspaces');
  await expectNoSideways(page);
});

// Share (issue #14, point 4): products, codes and pop-ups hand a link tagged
// `utm_source=share` and what was shared to the phone's share sheet (Web Share API), or
// copy it where there is none; a cancelled sheet copies nothing.
import { test, expect, open } from './fixtures';
import type { BrowserContext, Page } from '@playwright/test';

const NOW = '2026-11-20T12:00:00Z';
const SITE = 'https://shop.junopark.example/';

/** A share sheet that records what it was given (and can be "closed" by the shopper). */
async function fakeShareSheet(context: BrowserContext, outcome: 'shared' | 'closed' = 'shared') {
  await context.addInitScript((outcome) => {
    const shared: unknown[] = [];
    (window as unknown as { shared: unknown[] }).shared = shared;
    Object.defineProperty(Navigator.prototype, 'share', {
      configurable: true,
      value: (data: unknown) => {
        shared.push(data);
        return outcome === 'shared' ? Promise.resolve() : Promise.reject(new DOMException('closed', 'AbortError'));
      },
    });
  }, outcome);
}

const sharedData = (page: Page) => page.evaluate(() => (window as unknown as { shared: { url: string }[] }).shared);

test('a product page shares its own link, tagged as a share of that product', async ({ page, context }) => {
  await fakeShareSheet(context);
  await open(page, '/p/speckled-mug/?utm_source=tiktok&fbclid=abc', NOW);
  await page.getByRole('button', { name: 'Share Speckled stoneware mug' }).click();
  await expect.poll(() => sharedData(page)).toHaveLength(1);
  const [data] = await sharedData(page);
  // The friend's visit is theirs: not the sharer's campaign or ad click.
  expect(data.url).toBe(`${SITE}p/speckled-mug/?utm_source=share&utm_campaign=speckled-mug`);
});

test('a code and a pop-up share the home page with what was shared', async ({ page, context }) => {
  await fakeShareSheet(context);
  await open(page, '/', NOW);
  await page.getByRole('button', { name: 'Share code JUNO15' }).click();
  await page.locator('.popup').first().getByRole('button', { name: /^Share / }).click();
  await expect.poll(() => sharedData(page)).toHaveLength(2);
  const [code, popup] = (await sharedData(page)).map((d) => new URL(d.url));
  expect(code.href.startsWith(SITE)).toBe(true);
  expect(code.pathname).toBe('/');
  expect(Object.fromEntries(code.searchParams)).toEqual({ utm_source: 'share', utm_campaign: 'fable-15', code: 'JUNO15' });
  expect(popup.searchParams.get('utm_source')).toBe('share');
  expect(popup.searchParams.get('utm_campaign')).toMatch(/^[a-z0-9-]+$/);
});

test('without a share sheet the link is copied, and the button says so', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'share', { configurable: true, value: undefined });
  });
  await open(page, '/p/speckled-mug/', NOW);
  const button = page.getByRole('button', { name: 'Share Speckled stoneware mug' });
  await button.click();
  await expect(button).toHaveText('Link copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
    `${SITE}p/speckled-mug/?utm_source=share&utm_campaign=speckled-mug`,
  );
  // And back to its word.
  await page.clock.runFor(3000);
  await expect(button).toHaveText('Share');
});

test('a closed share sheet copies nothing', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await fakeShareSheet(context, 'closed');
  await open(page, '/p/speckled-mug/', NOW);
  await page.evaluate(() => navigator.clipboard.writeText('before'));
  const button = page.getByRole('button', { name: 'Share Speckled stoneware mug' });
  await button.click();
  await expect.poll(() => sharedData(page)).toHaveLength(1);
  await expect(button).toHaveText('Share');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('before');
});

test.describe('before the app', () => {
  // The blocked WASM is logged by the browser; that is the point here.
  test.use({ allowConsoleErrors: true, allowPageErrors: true });
  test('Share works before the app has taken the page over', async ({ page, context }) => {
  await fakeShareSheet(context);
  // The WASM never arrives: the page's own small script serves the button.
  await context.route('**/*.wasm', (route) => route.abort());
  await page.goto('/p/speckled-mug/');
  await page.getByRole('button', { name: 'Share Speckled stoneware mug' }).click();
  await expect.poll(() => sharedData(page)).toHaveLength(1);
  expect((await sharedData(page))[0].url).toContain('utm_source=share');
});
});

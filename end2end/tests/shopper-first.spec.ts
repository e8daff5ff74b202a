// The home page puts the shop first (issue #12): on a phone the first product starts on
// the first screen; what's live right now sits at the top, only while it is on; the rest
// of the schedule comes after the products, the next pop-up shown and the others behind
// "+N more".
import { test, expect, open } from './fixtures';

// Nothing live: the TikTok live (27 Nov), the Berlin market (5 Dec), London (12 Dec) and
// Brooklyn (13 Mar) to come.
const QUIET = '2026-11-20T12:00:00Z';
// During the TikTok live (27 Nov, 19:00–20:30 Berlin).
const LIVE = '2026-11-27T18:30:00Z';

const top = (locator: import('@playwright/test').Locator) =>
  locator.evaluate((el) => el.getBoundingClientRect().top + window.scrollY);

test('the first product card starts within the first 600 px of a 390 × 844 phone', async ({ page }) => {
  expect(page.viewportSize()).toEqual({ width: 390, height: 844 });
  await open(page, '/', QUIET);
  const first = page.locator('li.product-card').first();
  await expect(first).toBeVisible();
  expect(await top(first)).toBeLessThan(600);
  // Arriving from the bio link with the code applied, the code card says so and still
  // leaves the products on the first screen.
  await open(page, '/?code=JUNO15', QUIET);
  await expect(page.locator('li.code-card p.applied-note')).toBeVisible();
  expect(await top(page.locator('li.product-card').first())).toBeLessThan(600);
  // Without JavaScript too: the prerendered page is laid out the same.
  await page.goto('/');
  expect(await top(page.locator('li.product-card').first())).toBeLessThan(600);
});

test('nothing is "Live now" while nothing is on; the schedule follows the products', async ({ page }) => {
  await open(page, '/', QUIET);
  await expect(page.locator('section.live-now')).toHaveCount(0);
  const schedule = page.locator('section.schedule');
  expect(await top(schedule)).toBeGreaterThan(await top(page.locator('section.collection').last()));
  // The next one is shown; the other three wait behind "+3 more", which opens in place.
  await expect(schedule.locator('> ul > li.popup')).toHaveCount(1);
  await expect(schedule.locator('> ul > li.popup h3')).toHaveText('Live: unboxing the new glaze collection');
  const more = schedule.locator('details.more-popups');
  await expect(more.locator('summary')).toHaveText('+3 more');
  await expect(more.locator('li.popup').first()).toBeHidden();
  await more.locator('summary').click();
  await expect(more.locator('li.popup h3')).toHaveText([
    'Winter studio market',
    'Pop-up at Corner Coffee',
    'Spring pop-up, Brooklyn',
  ]);
});

test('while a live is on, it leads the page above the codes and products', async ({ page }) => {
  await open(page, '/', LIVE);
  const live = page.locator('section.live-now');
  await expect(live.getByRole('heading', { name: 'Live now', level: 2 })).toBeVisible();
  await expect(live.locator('li.popup h3')).toHaveText(['Live: unboxing the new glaze collection']);
  await expect(live.getByRole('link', { name: /Watch now on \u2068TikTok Live\u2069/ })).toBeVisible();
  expect(await top(live)).toBeLessThan(await top(page.locator('section.codes')));
  // It is not listed twice: the schedule below holds only what is still to come.
  await expect(page.locator('section.schedule:not(.live-now) li.popup h3')).not.toContainText([
    'Live: unboxing the new glaze collection',
  ]);
  // When it ends, the banner goes (the clock ticks every 30 s).
  await page.clock.runFor(2 * 60 * 60 * 1000);
  await expect(live).toHaveCount(0);
});

test('times read on one line in the venue’s zone, named by its city', async ({ page }) => {
  await open(page, '/', QUIET);
  const berlin = page.locator('li.popup').filter({ hasText: 'Winter studio market' });
  await expect(berlin.locator('p.when')).toHaveText(/^Sat 5 Dec, 11:00\s*[–-]\s*18:00, Berlin time$/);
  // The shopper here is in London: their own time is added because it differs.
  await expect(berlin.locator('p.own-time')).toHaveText(/^Your time: Sat 5 Dec, 10:00\s*[–-]\s*17:00$/);
});

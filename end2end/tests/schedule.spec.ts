// Pop-ups and lives: which show when, which is live, and times for the shopper.
import { test, expect, open } from './fixtures';
import type { Page } from '@playwright/test';

// What is still to come, below the products (the next one shown, the rest behind
// "+N more"), and what is on right now, at the top of the page.
const schedule = (page: Page) => page.locator('section[aria-labelledby="schedule-title"]');
const liveNow = (page: Page) => page.locator('section[aria-labelledby="live-title"]');
const popups = (page: Page) => schedule(page).locator('li.popup');
const titles = (page: Page) => popups(page).locator('h3.popup-title');
const popup = (page: Page, title: string) =>
  popups(page).filter({ has: page.locator('h3.popup-title', { hasText: title }) });

test.describe('which pop-ups are shown', () => {
  test('a week before, all four pop-ups show soonest first and none is live', async ({ page }) => {
    await open(page, '/', '2026-11-20T12:00:00Z', { clock: 'fixed' });
    await expect(schedule(page).getByRole('heading', { level: 2 })).toHaveText('Pop-ups & lives');
    await expect(titles(page)).toHaveText([
      'Live: unboxing the new glaze collection',
      'Winter studio market',
      'Pop-up at Corner Coffee',
      'Spring pop-up, Brooklyn',
    ]);
    await expect(page.getByText('Live now').filter({ visible: true })).toHaveCount(0);
    await expect(liveNow(page)).toHaveCount(0);
    await expect(page.locator('li.popup.live')).toHaveCount(0);
    await expect(page.getByRole('link', { name: /Watch now/ })).toHaveCount(0);
  });

  test('during the stream it leads the page, live, with a "Watch now" link', async ({ page }) => {
    await open(page, '/', '2026-11-27T18:30:00Z', { clock: 'fixed' });
    const live = liveNow(page).locator('li.popup');
    await expect(live.locator('h3.popup-title')).toHaveText(['Live: unboxing the new glaze collection']);
    await expect(live).toHaveClass(/(^|\s)live(\s|$)/);
    await expect(live.locator('.live-badge')).toHaveText('Live now');
    const watch = live.getByRole('link', { name: 'Watch now on \u2068TikTok Live\u2069' });
    await expect(watch).toHaveAttribute('href', 'https://www.tiktok.com/@junomakes/live');
    // The rest of the schedule, below, holds what is still to come.
    await expect(titles(page)).toHaveText(['Winter studio market', 'Pop-up at Corner Coffee', 'Spring pop-up, Brooklyn']);
    await expect(schedule(page).getByText('Live now').filter({ visible: true })).toHaveCount(0);
  });

  test('after the Berlin market, the live and the market are gone and London is first', async ({ page }) => {
    await open(page, '/', '2026-12-06T12:00:00Z', { clock: 'fixed' });
    await expect(titles(page)).toHaveText(['Pop-up at Corner Coffee', 'Spring pop-up, Brooklyn']);
    await expect(schedule(page).getByText('Live now').filter({ visible: true })).toHaveCount(0);
  });

  test('the stream goes live on its own as the clock passes its start', async ({ page }) => {
    await open(page, '/', '2026-11-27T17:59:00Z');
    await expect(titles(page)).toHaveCount(4);
    await expect(titles(page).first()).toHaveText('Live: unboxing the new glaze collection');
    await expect(liveNow(page)).toHaveCount(0);

    // The app re-reads the clock every 30 s; two minutes later the stream has started
    // and moved to the top of the page.
    await page.clock.runFor('02:00');
    const live = liveNow(page).locator('li.popup');
    await expect(live.locator('.live-badge')).toHaveText('Live now');
    await expect(live.getByRole('link', { name: 'Watch now on \u2068TikTok Live\u2069' })).toBeVisible();
    await expect(titles(page)).toHaveCount(3);
  });
});

test.describe('pop-up times for a shopper in London', () => {
  test('the Berlin market shows venue time and the shopper\'s own time', async ({ page }) => {
    await open(page, '/', '2026-11-20T12:00:00Z', { clock: 'fixed' });
    const berlin = popup(page, 'Winter studio market');
    await expect(berlin.locator('p.when')).toHaveText(/Sat 5 Dec.*11:00.*18:00/);
    await expect(berlin.locator('p.when')).toHaveText(/11:00\s*[–-]\s*18:00, Berlin time$/);
    await expect(berlin.locator('p.own-time')).toHaveText(/^Your time: Sat 5 Dec.*10:00\s*[–-]\s*17:00/);

    // A pop-up in the shopper's own zone needs no second line.
    await expect(popup(page, 'Pop-up at Corner Coffee').locator('p.when')).toHaveText(/10:00.*16:00/);
    await expect(popup(page, 'Pop-up at Corner Coffee').locator('p.own-time:visible')).toHaveCount(0);
  });
});

test.describe('pop-up times for a shopper in Berlin', () => {
  test.use({ timezoneId: 'Europe/Berlin' });

  test('the Berlin market shows no "Your time" line', async ({ page }) => {
    await open(page, '/', '2026-11-20T12:00:00Z', { clock: 'fixed' });
    const berlin = popup(page, 'Winter studio market');
    await expect(berlin.locator('p.when')).toHaveText(/11:00.*18:00/);
    // The London pop-up does get one: it proves the shopper's zone has been applied.
    await expect(popup(page, 'Pop-up at Corner Coffee').locator('p.own-time')).toHaveText(
      /^Your time: .*11:00\s*[–-]\s*17:00/,
    );
    await expect(berlin.locator('p.own-time:visible')).toHaveCount(0);
    await expect(berlin.getByText(/Your time/)).toHaveCount(0);
  });
});

// The page's last moments and a device that refuses storage: events still arrive.
import { test, expect } from '../fixtures';
import { COPY_JUNO15, JUNO15_COPY_BUTTON, named, openTracked, resetSink, sinkState } from './sink';

test.describe.configure({ mode: 'serial' });

test('events still waiting when the shopper leaves go out by beacon', async ({ page, context }) => {
  test.setTimeout(120_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await resetSink();
  await openTracked(page, '/');
  await expect.poll(async () => named(await sinkState(), 'page_view').length, { timeout: 30_000 }).toBe(1);
  // `select_promotion` waits a second for company before it is sent; leave at once.
  await page.getByRole('button', { name: COPY_JUNO15 }).click();
  await page.goto('about:blank');
  await expect
    .poll(async () => named(await sinkState(), 'select_promotion').length, {
      message: 'the copied code reached the sink after the page was gone',
      timeout: 30_000,
    })
    .toBe(1);
});

test('a device whose storage throws (quota, Safari private mode) loses nothing and logs nothing', async ({ page, context }) => {
  test.setTimeout(120_000);
  await context.addInitScript(() => {
    const refuse = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    Storage.prototype.setItem = refuse;
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await resetSink();
  await openTracked(page, '/?utm_source=instagram');
  const copy = page.getByRole('button', { name: JUNO15_COPY_BUTTON });
  for (let i = 0; i < 5; i++) await copy.click();
  await expect(copy).toHaveText('Copied');
  await expect
    .poll(async () => named(await sinkState(), 'select_promotion').length, { timeout: 30_000 })
    .toBe(5);
  const events = named(await sinkState(), 'select_promotion');
  expect(events.every((e) => e.attribution?.utm_source === 'instagram')).toBe(true);
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
});

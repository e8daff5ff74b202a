// Brand mode offline: a shopper's first visit lands on an affiliate's page, which the
// worker's precache leaves out (a brand may have 10,000 of them); the worker keeps the
// page that was open when it installed, so it opens offline, still the affiliate's.
import { test, expect, waitForApp } from '../fixtures';
import { OFFLINE_LOGS, cacheEntries, goOffline, waitForWorker } from '../offline/worker';

const SITE = (process.env.BRAND_URL || 'http://127.0.0.1:8793/').replace(/\/?$/, '/');

test.use({ allowConsoleErrors: OFFLINE_LOGS });

test("an affiliate's page, the first visit's landing, opens offline; no other affiliate's is saved", async ({
  page,
  context,
}) => {
  test.setTimeout(120_000);
  await page.goto(`${SITE}c/junomakes/?utm_source=tiktok`);
  await waitForApp(page);
  await waitForWorker(page);
  const saved = (await cacheEntries(page)).map((e) => new URL(e.url).pathname);
  expect(saved).toContain('/c/junomakes/');
  expect(saved.filter((path) => path.startsWith('/c/') && !path.startsWith('/c/junomakes/')), 'other affiliates').toEqual([]);
  expect(saved.filter((path) => /^\/p\/[^/]+\/$/.test(path)).length, 'product pages precached').toBeLessThanOrEqual(24);

  await goOffline(context, page);
  const again = await page.reload();
  expect(again?.fromServiceWorker()).toBe(true);
  await waitForApp(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Juno Park');
  await expect(page.locator('li.code-card p.applied-note')).toContainText('15% off');
  // Another affiliate's page, never opened: the offline page.
  await page.goto(`${SITE}c/mia.koenig/`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("You're offline");
  await context.setOffline(false);
});

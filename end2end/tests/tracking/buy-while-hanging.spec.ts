// A Buy tap is never held up by tracking: the shop opens at once even when the backend
// hangs, and the begin_checkout still gets out of the page (beacon / keepalive).
import type { BrowserContext, Page } from '@playwright/test';
import { test, expect } from '../fixtures';
import { COLLECTOR_NETWORK_LOGS, named, openTracked, resetSink, setRules, sinkState, stubShop } from './sink';

test.describe.configure({ mode: 'serial' });
// A request the app gives up on may be logged by the browser; nothing else may be.
test.use({ allowConsoleErrors: COLLECTOR_NETWORK_LOGS });

/** The shop stubbed, every request to the backend held open for 30 s, the home page open. */
async function openWhileHanging(page: Page, context: BrowserContext) {
  test.setTimeout(120_000);
  await stubShop(context, 'linenhaus.example');
  await resetSink();
  await setRules({ fail_rate: 1, mode: 'hang', hang_ms: 30_000 });
  await openTracked(page, '/');
}

test('Buy while the endpoint hangs for 30 s: navigation happens at once and begin_checkout still arrives', async ({
  page,
  context,
}) => {
  await openWhileHanging(page, context);

  const buy = page.getByRole('link', { name: 'Buy Stonewashed linen napkins (set of 4)', exact: true });
  await expect(buy).toBeVisible();
  // A functional bound (the tap must not wait for the backend), not a benchmark.
  await Promise.all([page.waitForURL(/linenhaus\.example/, { timeout: 5_000 }), buy.click()]);
  expect(new URL(page.url()).pathname).toBe('/products/linen-napkins');
  await expect(page).toHaveTitle('shop');

  await setRules({});
  // Recorded on receipt, even by a request the sink is still holding open.
  await expect
    .poll(
      async () =>
        named(await sinkState(), 'begin_checkout').filter((event) => event.ecommerce?.items?.[0]?.item_id === 'linen-napkins')
          .length,
      { message: 'begin_checkout for linen-napkins at the sink', timeout: 60_000 },
    )
    .toBeGreaterThan(0);
});

// Issue #14, point 5: a strict-privacy checkout once lost its begin_checkout in CI. Under
// `strict` (here via Global Privacy Control) nothing is stored, so an event that waited
// behind a hanging request had only the leave-time beacon. In every privacy mode the
// tap's event must be sent at tap time.
for (const privacy of ['standard', 'strict (Global Privacy Control)']) {
  test(`${privacy}: an urgent event goes out at once while an earlier request hangs, never waiting for the page to leave`, async ({
    page,
    context,
  }) => {
    if (privacy !== 'standard') {
      await context.addInitScript(() => {
        Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { configurable: true, get: () => true });
      });
    }
    await openWhileHanging(page, context);
    // The page's first events are in a request the sink now holds open for 30 s.
    await expect.poll(async () => (await sinkState()).received, { timeout: 15_000 }).toBeGreaterThan(0);
    const held = (await sinkState()).received;

    // The page stays: the tap's navigation is cancelled after the app has handled it (a
    // listener on window runs last), so no pagehide beacon can carry the event; only a
    // request of its own can.
    await page.evaluate(() => {
      (window as unknown as { hidden: number }).hidden = 0;
      const count = () => (window as unknown as { hidden: number }).hidden++;
      window.addEventListener('pagehide', count);
      document.addEventListener('visibilitychange', count);
      window.addEventListener('click', (event) => event.preventDefault());
    });
    await page.getByRole('link', { name: 'Buy Stonewashed linen napkins (set of 4)', exact: true }).click();
    // Well before the held request ends, the begin_checkout has reached the sink, in a
    // request of its own.
    await expect
      .poll(async () => named(await sinkState(), 'begin_checkout').length, {
        message: 'begin_checkout sent while an earlier request is still in flight',
        timeout: 10_000,
      })
      .toBe(1);
    expect((await sinkState()).received).toBeGreaterThan(held);
    // And it was not a beacon: the page never went away.
    expect(await page.evaluate(() => (window as unknown as { hidden: number }).hidden)).toBe(0);
    await setRules({});
  });
}

// A dead analytics backend costs the shopper nothing: every feature works and the page
// throws nothing and logs nothing of its own.
import { test, expect } from '../fixtures';
import { COLLECTOR_NETWORK_LOGS, COPIED_JUNO15, COPY_JUNO15, openTracked, resetSink, setRules, sinkState } from './sink';

test.describe.configure({ mode: 'serial' });
// Only the browser's own logs of the failed requests to the collector are allowed.
test.use({ allowConsoleErrors: COLLECTOR_NETWORK_LOGS });

test('Endpoint unreachable: the page works fully, no console errors', async ({ page, context, problems, pageErrors }) => {
  test.setTimeout(120_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await resetSink();
  await setRules({ down: true });
  await openTracked(page, '/');
  await expect(page.locator('header.profile h1.name')).toHaveText('Juno Park');

  // Copy a code.
  await page.getByRole('button', { name: COPY_JUNO15 }).click();
  await expect(page.getByRole('button', { name: COPIED_JUNO15 })).toHaveText('Copied');
  await expect(page.locator('li.code-card').first().getByRole('status')).toContainText('Copied JUNO15 to the clipboard');

  // Open a product and come back.
  await page.locator('a.product-link[data-product="speckled-mug"]').click();
  await expect(page).toHaveURL(/\/p\/speckled-mug\/$/);
  await expect(page.locator('main.detail').getByRole('heading', { level: 1 })).toHaveText('Speckled stoneware mug');
  await page.goBack();
  await expect(page.locator('header.profile h1.name')).toHaveText('Juno Park');
  expect(new URL(page.url()).pathname).toBe('/');

  // Add the Berlin market to a calendar (behind "+3 more"): the .ics file still downloads.
  await page.locator('details.more-popups summary').click();
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Add to calendar: Winter studio market (.ics file)', exact: true }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.ics$/);
  expect(await download.failure()).toBeNull();

  // Let the app try and retry against the dead backend (the sink drops each connection).
  await expect
    .poll(async () => (await sinkState()).responses.down, { message: 'connections the dead backend dropped', timeout: 60_000 })
    .toBeGreaterThanOrEqual(2);
  expect((await sinkState()).received, 'nothing was received while down').toBe(0);

  // The page still works after the failures.
  await expect(page.locator('section.collection').first()).toBeVisible();
  await expect(page.getByRole('button', { name: COPY_JUNO15 })).toBeEnabled();

  expect(pageErrors, 'uncaught page errors').toEqual([]);
  const unexpected = problems.filter(
    (p) => p.kind !== 'console' || !COLLECTOR_NETWORK_LOGS.some((pattern) => pattern.test(p.text)),
  );
  expect(unexpected, 'console errors other than the failed requests to the collector').toEqual([]);
});

// When the storefront data embedded in the page is missing or broken, the shopper
// gets a friendly error with a way to reload, never a blank page or a panic.
import { test, expect, waitForApp, DATA_ELEMENT } from './fixtures';
import type { Page } from '@playwright/test';

/** Serves the real page with its storefront data element rewritten by `edit`. */
async function breakTheData(page: Page, edit: (element: string) => string) {
  let rewritten = 0;
  await page.route('**/*', async (route) => {
    if (route.request().resourceType() !== 'document') return route.fallback();
    const response = await route.fetch();
    const html = await response.text();
    // Without the element there is nothing to break: serve the page as is, and the
    // test's `rewrites()` check says so plainly.
    if (!DATA_ELEMENT.test(html)) return route.fulfill({ response, body: html });
    rewritten++;
    await route.fulfill({ response, body: html.replace(DATA_ELEMENT, edit) });
  });
  return () => rewritten;
}

const cases: Array<{ name: string; edit: (element: string) => string }> = [
  {
    name: 'the data element is missing',
    edit: () => '',
  },
  {
    name: 'the data is not JSON',
    edit: (element) => element.replace(/>[\s\S]*<\/script>$/, '>{not json</script>'),
  },
  {
    name: 'the data is well-formed text of damaged bytes',
    edit: (element) => element.replace(/>[\s\S]*<\/script>$/, '>%03%FF%FF%FF</script>'),
  },
  {
    name: 'the data is JSON of the wrong shape',
    edit: (element) => element.replace(/>[\s\S]*<\/script>$/, '>{"hello":1}</script>'),
  },
];

test.describe('error state', () => {
  // The app may log why it failed; what it must not do is throw or panic.
  // Service workers are blocked: once the site's worker controls the page (it claims
  // the page as it activates), a second load goes through it, and `page.route` does not
  // see what a service worker fetches, so "the Reload link" got the unbroken page
  // whenever the worker had activated before the click (a test failing now and then).
  test.use({ allowConsoleErrors: true, serviceWorkers: 'block' });

  for (const { name, edit } of cases) {
    test(`shows "This shop couldn't load" when ${name}`, async ({ page, pageErrors, problems }) => {
      const rewrites = await breakTheData(page, edit);
      // No fake clock here on purpose: Playwright's fake timers report an exception
      // thrown in a timer callback as a console error instead of a `pageerror`, which
      // would hide a panic from the check below. The error state does not depend on time.
      await page.goto('/');
      await waitForApp(page);
      expect(rewrites(), 'the document had a linkshelf-data element to rewrite').toBe(1);

      await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
      const alert = page.getByRole('alert');
      await expect(alert.getByRole('heading', { level: 1 })).toHaveText("This shop couldn't load");
      await expect(alert.getByRole('link', { name: 'Reload' })).toBeVisible();
      await expect(page.locator('#boot')).toHaveCount(0);
      await expect(page.locator('header.profile')).toHaveCount(0);
      expect(pageErrors.map((e) => e.stack || e.message), 'uncaught errors / panics').toEqual([]);
      // Console errors are allowed, but not a Rust panic message.
      const panics = problems.filter((p) => /panicked at|RuntimeError|unreachable/i.test(p.text));
      expect(panics, 'panic messages in the console').toEqual([]);
    });
  }

  test('the Reload link loads the page again', async ({ page, pageErrors }) => {
    const rewrites = await breakTheData(page, () => '');
    await page.goto('/');
    await waitForApp(page);
    // A mark on the first document: until it is gone, `data-ready` below could still be
    // the first load's (on a busy machine it was, and the count read 1).
    await page.evaluate(() => ((window as unknown as { firstLoad: boolean }).firstLoad = true));
    const reloaded = page.waitForRequest((r) => r.resourceType() === 'document');
    await page.getByRole('link', { name: 'Reload' }).click();
    const request = await reloaded;
    expect(new URL(request.url()).pathname).toBe('/');
    await page.waitForFunction(() => !(window as unknown as { firstLoad?: boolean }).firstLoad);
    await waitForApp(page);
    expect(rewrites(), 'both loads had a linkshelf-data element to rewrite').toBe(2);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText("This shop couldn't load");
    expect(pageErrors).toEqual([]);
  });
});

// The jump out of an in-app browser keeps the visit (issue #14, point 1): the visit in
// the shopper's own browser (which shares no storage with the app's) reports the same
// campaign, and names the in-app visit it continues, so a backend tells a jump from a
// new visit.
import { test, expect } from '../fixtures';
import { named, openTracked, resetSink, sinkState } from './sink';

test.describe.configure({ mode: 'serial' });

const INSTAGRAM_ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240905.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.58 Mobile Safari/537.36 Instagram 355.1.0.44.103 Android (34/14; 420dpi; 1080x2205; Google/google; Pixel 8; shiba; shiba; en_US; 658190016)';

test('the visit opened from Instagram continues with the same campaign and names the visit it came from', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(90_000);
  await resetSink();
  const app = await browser.newContext({ baseURL, userAgent: INSTAGRAM_ANDROID, viewport: { width: 390, height: 844 } });
  const inApp = await app.newPage();
  await openTracked(inApp, '/p/speckled-mug/?utm_source=instagram&utm_content=reel-9&fbclid=IwAR1');
  const copy = inApp.locator('main .in-app').getByRole('button', { name: 'Copy link' });
  const jump = (await copy.getAttribute('data-url')) ?? '';
  expect(jump).toContain('from_visit=');

  // The in-app visit's page_view: the id the jump must name.
  await expect.poll(async () => named(await sinkState(), 'page_view').length, { timeout: 15_000 }).toBe(1);
  const [first] = named(await sinkState(), 'page_view');
  expect(first.context.in_app_browser).toBe('instagram');
  await app.close();

  // The shopper's own browser: a fresh context, nothing shared.
  const own = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 } });
  const page = await own.newPage();
  await openTracked(page, jump.replace(/^https?:\/\/[^/]+/, ''));
  await expect.poll(async () => named(await sinkState(), 'page_view').length, { timeout: 15_000 }).toBe(2);
  const second = named(await sinkState(), 'page_view')[1];
  expect(second.page_load_id).not.toBe(first.page_load_id);
  expect(second.context.in_app_browser).toBe('none');
  expect(second.attribution.utm_source).toBe('instagram');
  expect(second.attribution.utm_content).toBe('reel-9');
  expect(second.attribution.click_ids).toEqual([
    { name: 'fbclid', value: 'IwAR1' },
    { name: 'from_visit', value: first.page_load_id },
  ]);
  await own.close();
});

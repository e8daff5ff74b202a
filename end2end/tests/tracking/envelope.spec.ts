// Every event carries the full envelope, and list views are counted once per page load.
import { test, expect } from '../fixtures';
import type { Page } from '@playwright/test';
import { JUNO15_COPY_BUTTON, type Envelope, named, openTracked, resetSink, seqProblems, sinkState } from './sink';

test.describe.configure({ mode: 'serial' });

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const COLLECTIONS = ['desk', 'kitchen', 'travel'];

/** Scrolls the whole page in steps of a third of the viewport, letting each frame render. */
async function sweep(page: Page, direction: 'down' | 'up') {
  const { height, viewport } = await page.evaluate(() => ({
    height: document.documentElement.scrollHeight,
    viewport: window.innerHeight,
  }));
  const step = Math.max(100, Math.floor(viewport / 3));
  const stops: number[] = [];
  for (let y = 0; y < height; y += step) stops.push(y);
  stops.push(height);
  if (direction === 'up') stops.reverse();
  for (const y of stops) {
    await page.evaluate(
      (top) =>
        new Promise<void>((resolve) => {
          window.scrollTo({ top, behavior: 'instant' as ScrollBehavior });
          requestAnimationFrame(() => requestAnimationFrame(() => resolve()));
        }),
      y,
    );
  }
}

/** Everything wrong with one envelope, as readable lines. */
function envelopeProblems(event: Envelope): string[] {
  const where = `${event.name} #${event.seq} (${event.event_id})`;
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(`${where}: ${what}`);
  };
  check(event.v === 1, `v is ${JSON.stringify(event.v)}, not 1`);
  check(typeof event.event_id === 'string' && UUID_V7.test(event.event_id), 'event_id is not a UUIDv7');
  check(typeof event.occurred_at === 'number' && Number.isFinite(event.occurred_at), 'occurred_at is not a number');
  check(typeof event.sent_at === 'number' && Number.isFinite(event.sent_at), 'sent_at is not a number');
  check(event.sent_at >= event.occurred_at - 5_000, `sent_at ${event.sent_at} is before occurred_at ${event.occurred_at}`);
  check(event.creator_id === 'juno-park', `creator_id is ${JSON.stringify(event.creator_id)}`);
  check(typeof event.page_load_id === 'string' && event.page_load_id.length > 0, 'no page_load_id');
  check(Number.isInteger(event.seq) && event.seq >= 0, `seq is ${JSON.stringify(event.seq)}`);
  check(typeof event.context?.path === 'string' && event.context.path.startsWith('/'), 'context.path is not a path');
  check(event.context?.in_app_browser === 'none', `context.in_app_browser is ${JSON.stringify(event.context?.in_app_browser)}`);
  return problems;
}

test('every event carries the envelope fields', async ({ page, context }) => {
  test.setTimeout(120_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await resetSink();
  await openTracked(page, '/');

  // Up and down the whole page, twice: each collection is seen several times.
  for (let round = 0; round < 2; round++) {
    await sweep(page, 'down');
    await sweep(page, 'up');
  }
  // A product page and back (client-side: the same page load), then a copy.
  await page.locator('a.product-link[data-product="canvas-tote"]').click();
  await expect(page.locator('main.detail').getByRole('heading', { level: 1 })).toHaveText('Heavy canvas market tote');
  await page.locator('a.back').click();
  await expect(page.locator('header.profile h1.name')).toHaveText('Juno Park');
  const copy = page.getByRole('button', { name: JUNO15_COPY_BUTTON });
  await copy.click();
  await expect(copy).toHaveText('Copied');

  // Wait until this visit is complete at the sink: the copy arrived and no seq is missing.
  await expect
    .poll(
      async () => {
        const state = await sinkState();
        const loads = [...new Set(state.events.map((event) => event.page_load_id))];
        return {
          loads: loads.length,
          copied: named(state, 'select_promotion').length,
          seq: loads.length === 1 ? seqProblems(state.events, loads[0]) : null,
        };
      },
      { message: 'the visit at the sink', timeout: 60_000 },
    )
    .toEqual({ loads: 1, copied: 1, seq: { missing: [], doubled: [] } });

  const state = await sinkState();
  const problems = state.events.flatMap(envelopeProblems);
  expect(problems, 'envelope problems').toEqual([]);

  // view_item_list once per collection for the whole page load, however often it is seen.
  const lists = named(state, 'view_item_list').map((event) => event.subject?.item_list_id);
  expect(lists.slice().sort(), 'view_item_list events by item_list_id').toEqual(COLLECTIONS);

  // A page_view on load and on each client-side page change, each with its path.
  const views = named(state, 'page_view')
    .sort((a, b) => a.seq - b.seq)
    .map((event) => event.context.path);
  expect(views, 'page_view paths in order').toEqual(['/', '/p/canvas-tote/', '/']);
  // The product card's link is a select_item.
  expect(named(state, 'select_item').length, 'select_item events').toBe(1);
});

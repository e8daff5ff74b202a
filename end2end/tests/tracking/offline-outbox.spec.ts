// The outbox (localStorage, `standard` privacy) keeps every event while the backend is
// unreachable, across reloads, and delivers them once it is back.
import { test, expect, waitForApp } from '../fixtures';
import {
  COLLECTOR_NETWORK_LOGS,
  COLLECTOR_ROUTE,
  JUNO15_COPY_BUTTON,
  countByName,
  named,
  openTracked,
  resetSink,
  seqProblems,
  setRules,
  sinkState,
  storedEvents,
} from './sink';

test.describe.configure({ mode: 'serial' });
// While "offline" every attempt fails and the browser logs it; nothing else may be logged.
test.use({ allowConsoleErrors: COLLECTOR_NETWORK_LOGS });

const RELOADS = 10;
const COPIES_PER_LOAD = 3;

test('Offline, ten reloads, back online: the outbox flushes, no event lost, none duplicated', async ({
  page,
  context,
}) => {
  test.setTimeout(300_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await resetSink();
  await openTracked(page, '/');
  await expect
    .poll(async () => named(await sinkState(), 'page_view').length, { message: 'first page_view delivered', timeout: 60_000 })
    .toBe(1);

  // "Offline" for the collector only: `context.setOffline` would cut the static server
  // too. Requests the page makes are failed by the browser; anything that escapes the
  // route (a beacon sent while the page unloads) meets a dead backend.
  await setRules({ down: true });
  await context.route(COLLECTOR_ROUTE, (route) => route.abort('internetdisconnected'));

  const copy = page.getByRole('button', { name: JUNO15_COPY_BUTTON });
  for (let load = 1; load <= RELOADS; load++) {
    await page.reload();
    await waitForApp(page);
    for (let i = 0; i < COPIES_PER_LOAD; i++) await copy.click();
    await expect(copy).toHaveText('Copied');
  }

  // What the page still has to deliver, read before the backend comes back. The app
  // writes its outbox to storage at most every 250 ms (and at once when the page is
  // left), so the last taps may take a moment to appear.
  await expect
    .poll(async () => countByName(await storedEvents(page)).select_promotion ?? 0, {
      message: 'select_promotion events written to the outbox',
      timeout: 5_000,
    })
    .toBe(RELOADS * COPIES_PER_LOAD);
  const stored = await storedEvents(page);
  const storedCounts = countByName(stored);
  expect(storedCounts.select_promotion ?? 0, `select_promotion events in the outbox (${JSON.stringify(storedCounts)})`).toBe(
    RELOADS * COPIES_PER_LOAD,
  );
  expect(storedCounts.page_view ?? 0, 'page_view events in the outbox').toBeGreaterThanOrEqual(RELOADS);
  const during = await sinkState();
  expect(
    { select_promotion: named(during, 'select_promotion').length, page_view: named(during, 'page_view').length },
    'what reached the sink while it was unreachable (only the first load\'s page_view)',
  ).toEqual({ select_promotion: 0, page_view: 1 });

  // Back online: the next page load replays the outbox.
  await context.unroute(COLLECTOR_ROUTE);
  await setRules({});
  await page.reload();
  await waitForApp(page);

  const pageLoads = RELOADS + 2; // the first load, ten reloads, the last one
  const storedIds = stored.map((event) => event.id);
  await expect
    .poll(
      async () => {
        const state = await sinkState();
        const arrived = new Set(state.events.map((event) => event.event_id));
        return {
          select_promotion: named(state, 'select_promotion').length,
          page_view: named(state, 'page_view').length,
          notYetArrivedFromOutbox: storedIds.filter((id) => !arrived.has(id)).length,
        };
      },
      { message: 'events at the sink', timeout: 150_000, intervals: [1_000, 2_000, 5_000] },
    )
    .toEqual({ select_promotion: RELOADS * COPIES_PER_LOAD, page_view: pageLoads, notYetArrivedFromOutbox: 0 });

  const state = await sinkState();
  expect(state.unique, 'unique = distinct event ids').toBe(new Set(state.events.map((event) => event.event_id)).size);
  expect(state.received, 'received counts duplicates too').toBeGreaterThanOrEqual(state.unique);

  // No event was made twice under a new id: one page_view per page load, and within each
  // page load every seq number belongs to one event and none is missing.
  const pageLoadIds = [...new Set(state.events.map((event) => event.page_load_id))];
  expect(pageLoadIds, 'distinct page loads at the sink').toHaveLength(pageLoads);
  const pageViewLoads = named(state, 'page_view').map((event) => event.page_load_id);
  expect(new Set(pageViewLoads).size, 'page loads with a page_view').toBe(pageLoads);
  await expect
    .poll(
      async () => {
        const events = (await sinkState()).events;
        return Object.fromEntries(
          pageLoadIds
            .map((id) => [id, seqProblems(events, id)] as const)
            .filter(([, problems]) => problems.missing.length || problems.doubled.length),
        );
      },
      { message: 'seq problems by page load', timeout: 60_000 },
    )
    .toEqual({});
  // Three copies on each of the ten "offline" loads.
  const copiesPerLoad = new Map<string, number>();
  for (const event of named(state, 'select_promotion')) {
    copiesPerLoad.set(event.page_load_id, (copiesPerLoad.get(event.page_load_id) ?? 0) + 1);
  }
  expect([...copiesPerLoad.values()], 'select_promotion per page load').toEqual(
    Array.from({ length: RELOADS }, () => COPIES_PER_LOAD),
  );
});

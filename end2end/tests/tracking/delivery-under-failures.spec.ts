// Delivery is "at least once, exactly once after dedup": a burst of events survives a
// backend that fails or hangs on almost a third of the requests.
import { test, expect } from '../fixtures';
import {
  COLLECTOR_NETWORK_LOGS,
  COPIED_JUNO15,
  COPY_JUNO15,
  named,
  openTracked,
  resetSink,
  seqProblems,
  setRules,
  sinkState,
  watchOutgoing,
} from './sink';

test.describe.configure({ mode: 'serial' });
// The injected 500s are logged by the browser; nothing else may be.
test.use({ allowConsoleErrors: COLLECTOR_NETWORK_LOGS });

const CLICKS = 1000;

test('1,000 events with 30% of requests failing (500) or hanging: every event arrives, exactly once after dedup by event_id', async ({
  page,
  context,
}) => {
  test.setTimeout(240_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const outgoing = watchOutgoing(context);
  await resetSink();
  // Seed 7 fails the very first request (a 500) and hangs the sixth.
  await setRules({ fail_rate: 0.3, mode: 'mix', hang_ms: 20_000, seed: 7 });
  await openTracked(page, '/');
  await expect(page.getByRole('button', { name: COPY_JUNO15 })).toBeVisible();

  const sendingSince = Date.now();
  // One click per task, as real taps arrive, so the app's own sending interleaves.
  const clicked = await page.evaluate(
    async ({ clicks, names }) => {
      // The name reads "Copied …" for a moment after each copy; either is the button.
      const button = () =>
        [...document.querySelectorAll('button')].find((b) =>
          names.some((name) => b.getAttribute('aria-label') === name || b.textContent?.trim() === name),
        );
      let done = 0;
      for (let i = 0; i < clicks; i++) {
        const target = button();
        if (!target) break;
        target.click();
        done += 1;
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      return done;
    },
    { clicks: CLICKS, names: [COPY_JUNO15, COPIED_JUNO15] },
  );
  expect(clicked, 'Copy clicks made').toBe(CLICKS);

  // Keep failing for at least 10 s of sending, and until both kinds of failure were served.
  await expect
    .poll(
      async () => {
        const { responses } = await sinkState();
        return { failed: responses.failed > 0, hung: responses.hang > 0 };
      },
      { message: 'the sink served both a 500 and a hang', timeout: 60_000 },
    )
    .toEqual({ failed: true, hung: true });
  const left = 10_000 - (Date.now() - sendingSince);
  if (left > 0) await page.waitForTimeout(left);
  await setRules({});

  await expect
    .poll(async () => named(await sinkState(), 'select_promotion').length, {
      message: 'distinct select_promotion events at the sink',
      // Worst case once the rules are cleared: a hung request's 10 s abort, then a
      // backoff of up to 60 s, then the batches.
      timeout: 120_000,
      intervals: [1_000, 2_000, 5_000],
    })
    .toBe(CLICKS);

  const state = await sinkState();
  expect(state.received, 'received counts duplicates too').toBeGreaterThanOrEqual(state.unique);
  for (const event of named(state, 'select_promotion')) {
    expect(event.subject?.promotion_id, `promotion of ${event.event_id}`).toBe('fable-15');
  }

  // Everything at the sink came from this one page load, and is an event the page sent.
  const pageLoadIds = [...new Set(state.events.map((event) => event.page_load_id))];
  expect(pageLoadIds, 'page loads seen at the sink').toHaveLength(1);
  const strangers = state.events.map((event) => event.event_id).filter((id) => !outgoing.sent.has(id));
  expect(strangers, 'event ids the page never sent').toEqual([]);

  // No event of this page load is missing: its seq numbers run from 0 with no gap (the
  // page's other events may still be on their way; wait for them too).
  await expect
    .poll(async () => seqProblems((await sinkState()).events, pageLoadIds[0]), {
      message: `seq numbers of page load ${pageLoadIds[0]}`,
      timeout: 60_000,
      intervals: [1_000, 2_000, 5_000],
    })
    .toEqual({ missing: [], doubled: [] });
});

// Shared test setup for the Linkshelf end-to-end suite.
//
// - Every page of every test is watched for console errors and uncaught page errors
//   (JS exceptions, Rust panics surfaced by wasm-bindgen). Any of them fails the test
//   when it ends, unless the test opts out with `test.use({ allowConsoleErrors: true })`
//   (or a list of patterns for the console errors it expects) or
//   `test.use({ allowPageErrors: true })`.
//   Note: once the clock is faked (`open()`), Playwright reports an exception thrown
//   inside a timer callback as a console error, not a `pageerror`; both fail a test
//   here, but a test that must tell them apart should not fake the clock.
// - `open()` fakes the clock BEFORE navigating (the app reads `Date.now()` on mount
//   and then every 30 s), then waits until the app says it has mounted.
import { test as base, expect, type Page } from '@playwright/test';

export type Problem = { kind: 'console' | 'pageerror'; url: string; text: string };

type Fixtures = {
  /**
   * Let this test's pages log console errors without failing: `true` for any, or the
   * patterns of the ones the test expects (anything else still fails).
   */
  allowConsoleErrors: boolean | RegExp[];
  /** Let this test's pages throw uncaught errors without failing. */
  allowPageErrors: boolean;
  /** Everything collected so far (console errors and page errors, in order). */
  problems: Problem[];
  /** Only the uncaught page errors (`pageerror` events), for tests that assert on them. */
  pageErrors: Error[];
};

export const test = base.extend<Fixtures>({
  allowConsoleErrors: [false, { option: true }],
  allowPageErrors: [false, { option: true }],
  pageErrors: async ({}, use) => {
    await use([]);
  },
  problems: [
    async ({ context, allowConsoleErrors, allowPageErrors, pageErrors }, use, testInfo) => {
      const problems: Problem[] = [];
      const watch = (page: Page) => {
        page.on('console', (message) => {
          if (message.type() !== 'error') return;
          const where = message.location();
          problems.push({
            kind: 'console',
            url: page.url(),
            text: `${message.text()}${where.url ? ` (at ${where.url}:${where.lineNumber})` : ''}`,
          });
        });
        page.on('pageerror', (error) => {
          pageErrors.push(error);
          problems.push({ kind: 'pageerror', url: page.url(), text: error.stack || String(error) });
        });
      };
      context.pages().forEach(watch);
      context.on('page', watch);

      await use(problems);

      if (problems.length) {
        await testInfo.attach('browser-problems.txt', {
          body: problems.map((p) => `[${p.kind}] ${p.url}\n  ${p.text}`).join('\n'),
          contentType: 'text/plain',
        });
      }
      const consoleAllowed = (text: string) =>
        allowConsoleErrors === true ||
        (Array.isArray(allowConsoleErrors) && allowConsoleErrors.some((pattern) => pattern.test(text)));
      const fatal = problems.filter(
        (p) => (p.kind === 'console' && !consoleAllowed(p.text)) || (p.kind === 'pageerror' && !allowPageErrors),
      );
      expect(
        fatal,
        `The browser reported errors:\n${fatal.map((p) => `  [${p.kind}] on ${p.url}: ${p.text}`).join('\n')}`,
      ).toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

export type OpenOptions = {
  /**
   * 'flowing' (default): `clock.install` – time starts at `iso` and moves on, and the test
   * can `runFor`/`fastForward`. 'fixed': `clock.setFixedTime` – `Date.now()` never moves.
   */
  clock?: 'flowing' | 'fixed';
};

/** Fakes the clock at `iso`, opens `path` and waits until the app has mounted. */
export async function open(page: Page, path: string, iso: string, options: OpenOptions = {}) {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) throw new Error(`open(): bad time ${iso}`);
  if (options.clock === 'fixed') {
    await page.clock.setFixedTime(time);
  } else {
    await page.clock.install({ time });
  }
  const response = await page.goto(path);
  await waitForApp(page);
  return response;
}

/**
 * Waits for `html[data-ready]` (set once the app mounted; clicks before it are lost),
 * then lets the mount effects (shopper locale, clock) settle: two macrotasks after the
 * flag, so the app's follow-up renders are in the DOM before negative assertions.
 */
export async function waitForApp(page: Page) {
  await page.locator('html[data-ready]').waitFor({ state: 'attached' });
  await page.evaluate(
    () => new Promise<void>((resolve) => setTimeout(() => setTimeout(() => resolve(), 0), 0)),
  );
}

/**
 * The storefront data baked into every page, `<script type="…" id="linkshelf-data">…</script>`,
 * matched by its id whatever its type, so a change of encoding keeps the error tests honest.
 */
export const DATA_ELEMENT = /<script\b[^>]*\bid="linkshelf-data"[^>]*>[\s\S]*?<\/script>/;

/** Turns non-breaking and narrow no-break spaces into plain spaces. */
export function normaliseSpaces(text: string | null | undefined): string {
  return (text ?? '').replace(/[\u00a0\u202f]/g, ' ');
}

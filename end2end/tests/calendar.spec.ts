// Add-to-calendar: the .ics file of the Berlin market and the Google Calendar link.
import { readFile } from 'node:fs/promises';
import { test, expect, open } from './fixtures';
import type { Page } from '@playwright/test';

const NOW = '2026-11-20T12:00:00Z';
// After the TikTok live: the Berlin market is the next pop-up, the one shown open.
const MARKET_NEXT = '2026-11-28T12:00:00Z';
const ICS_LABEL = 'Add to calendar: Winter studio market (.ics file)';

/** Checks the RFC 5545 shape and the Berlin market's facts in an .ics text. */
function expectBerlinMarketIcs(ics: string) {
  expect(ics.startsWith('BEGIN:VCALENDAR\r\n'), 'starts with BEGIN:VCALENDAR + CRLF').toBe(true);
  expect(ics.endsWith('END:VCALENDAR\r\n'), 'ends with END:VCALENDAR + CRLF').toBe(true);
  expect(ics).toContain('\r\nDTSTART:20261205T100000Z\r\n');
  expect(ics).toContain('\r\nDTEND:20261205T170000Z\r\n');
  expect(ics).toContain('\r\nUID:berlin-winter-market.juno-park@linkshelf\r\n');
  expect(ics).toContain('\r\nBEGIN:VEVENT\r\n');
  expect(ics).toContain('\r\nEND:VEVENT\r\n');

  // Every line ends in CRLF: no bare LF and no bare CR anywhere.
  expect(ics.replace(/\r\n/g, ''), 'no bare CR or LF').not.toMatch(/[\r\n]/);
  // Every physical line is at most 75 octets (UTF-8), folding included.
  const lines = ics.slice(0, -2).split('\r\n');
  const tooLong = lines
    .map((line, index) => ({ line: index + 1, octets: Buffer.byteLength(line, 'utf8'), text: line }))
    .filter((l) => l.octets > 75);
  expect(tooLong, 'lines longer than 75 octets').toEqual([]);
}

test.describe('add the Berlin market to a calendar', () => {
  test.beforeEach(async ({ page }) => {
    await open(page, '/', MARKET_NEXT, { clock: 'fixed' });
  });

  const icsLink = (page: Page) => page.getByRole('link', { name: ICS_LABEL, exact: true });

  test('the .ics link points at the event file and downloads it', async ({ page }) => {
    const link = icsLink(page);
    await expect(link).toHaveText('Add to calendar');
    await expect(link).toHaveAttribute('href', '/calendar/berlin-winter-market.ics');
    await expect(link).toHaveAttribute('download', /.+/);
  });

  test('the .ics file served is a valid calendar for the market', async ({ page }) => {
    const href = await icsLink(page).getAttribute('href');
    const response = await page.request.get(href!);
    expect(response.status()).toBe(200);
    expectBerlinMarketIcs((await response.body()).toString('utf8'));
  });

  test('tapping "Add to calendar" downloads the same valid file', async ({ page }) => {
    const downloading = page.waitForEvent('download');
    await icsLink(page).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/\.ics$/);
    expect(new URL(download.url()).pathname).toBe('/calendar/berlin-winter-market.ics');
    const path = await download.path();
    expectBerlinMarketIcs(await readFile(path, 'utf8'));
  });

  test('the Google Calendar link carries the UTC start and end', async ({ page }) => {
    const google = page.getByRole('link', { name: 'Add Winter studio market to Google Calendar', exact: true });
    const href = await google.getAttribute('href');
    expect(href).toMatch(/^https:\/\/calendar\.google\.com\/calendar\/render\?/);
    expect(href).toContain('dates=20261205T100000Z%2F20261205T170000Z');
  });
});

test.describe('every pop-up\'s calendar file', () => {
  test('is a well-formed iCalendar file with CRLF lines of at most 75 octets', async ({ page }) => {
    await open(page, '/', NOW, { clock: 'fixed' });
    const links = page.locator('section[aria-labelledby="schedule-title"] p.calendar a[download]');
    await expect(links).toHaveCount(4);
    const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    for (const href of hrefs) {
      expect(href).toMatch(/^\/calendar\/[a-z0-9-]+\.ics$/);
      const response = await page.request.get(href);
      expect(response.status(), href).toBe(200);
      const bytes = await response.body();
      const text = bytes.toString('utf8');
      expect(text.startsWith('BEGIN:VCALENDAR\r\n'), `${href} starts with BEGIN:VCALENDAR`).toBe(true);
      expect(text.endsWith('END:VCALENDAR\r\n'), `${href} ends with END:VCALENDAR`).toBe(true);
      expect(text.replace(/\r\n/g, ''), `${href} has only CRLF line ends`).not.toMatch(/[\r\n]/);
      // Split on the raw bytes: folding must never cut a UTF-8 character in two.
      const decoder = new TextDecoder('utf-8', { fatal: true });
      let start = 0;
      for (let line = 1; start < bytes.length; line++) {
        const end = bytes.indexOf('\r\n', start);
        expect(end, `${href} line ${line} ends in CRLF`).toBeGreaterThanOrEqual(0);
        const raw = bytes.subarray(start, end);
        expect(raw.length, `${href} line ${line} octets`).toBeLessThanOrEqual(75);
        expect(() => decoder.decode(raw), `${href} line ${line} is whole UTF-8`).not.toThrow();
        start = end + 2;
      }
    }
  });
});

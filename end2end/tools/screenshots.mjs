// Takes mobile and desktop screenshots of a served site, for looking at the design.
// Usage: node tools/screenshots.mjs http://127.0.0.1:8765 out-dir [path ...]
import { chromium } from '@playwright/test';

const [base, out = 'screenshots', ...paths] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--disable-quic',
         '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1'],
});
const views = [
  { name: 'mobile', viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  { name: 'desktop', viewport: { width: 1280, height: 900 } },
];
for (const scheme of ['light', 'dark']) {
  for (const v of views) {
    const context = await browser.newContext({ ...v, colorScheme: scheme, locale: 'en-GB', timezoneId: 'Europe/London' });
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') console.log('console error:', m.text()); });
    page.on('pageerror', (e) => console.log('page error:', e.message));
    // SHOT_TIME picks the moment shown (the default has a live stream on).
    await page.clock.setFixedTime(new Date(process.env.SHOT_TIME || '2026-11-27T18:30:00Z'));
    for (const path of paths.length ? paths : ['/']) {
      await page.goto(base + path);
      await page.waitForSelector('html[data-ready]');
      await page.waitForTimeout(300);
      const name = `${out}/${v.name}-${scheme}${path.replace(/\//g, '_')}`;
      // Phones: what the first screens show; desktop: the whole page.
      if (v.isMobile) {
        for (const [i, y] of [0, 800, 1600].entries()) {
          await page.evaluate((top) => window.scrollTo(0, top), y);
          await page.waitForTimeout(200);
          await page.screenshot({ path: `${name}-${i}.png` });
        }
      } else {
        await page.screenshot({ path: `${name}.png`, fullPage: true });
      }
      console.log(name);
    }
    await context.close();
  }
}
await browser.close();

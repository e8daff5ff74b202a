// Linkshelf benchmark: bundle bytes and page metrics. Reports; never times a test.
//   node tools/bench.mjs --sizes ../dist            bytes raw/gzip/brotli + budget check, and
//                                                   the service worker's apart (goal 10 KB)
//   node tools/bench.mjs --sizes ../dist --html c/juno/index.html   the same for another page
//   node tools/bench.mjs --page http://127.0.0.1:N/ page metrics on a throttled phone
//   node tools/bench.mjs --tracking http://127.0.0.1:N/  main-thread time per 100 events
// The byte budget is deterministic, so --sizes exits non-zero when it is exceeded.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

// The first load's budget (issue #14): 150 KB. Languages cost 3.0 KB brotli of it and
// were paid for by drawing the missing, thank-you and in-app bar parts without the
// app's views (README, "Speed"; docs/testing.md has what each part costs).
const BUDGET_BROTLI = 150 * 1024;
// The service worker (src/build/offline.rs) is fetched after the app has started, never
// on the first paint's path: measured apart from the first load, with its own goal.
const WORKER = 'sw.js';
const WORKER_GOAL_BROTLI = 10 * 1024;
const args = process.argv.slice(2);
const kb = (n) => (n / 1024).toFixed(1).padStart(7);

function sizes(dist, page = 'index.html') {
  const files = fs.readdirSync(dist);
  const pick = (test) => files.filter(test).map((f) => path.join(dist, f));
  const groups = {
    html: [path.join(dist, page)],
    js: pick((f) => f.endsWith('.js') && f !== WORKER),
    wasm: pick((f) => f.endsWith('.wasm')),
    css: pick((f) => f.endsWith('.css')),
  };
  const measure = (kind, paths) => {
    const row = { kind, raw: 0, gzip: 0, brotli: 0 };
    for (const p of paths) {
      const bytes = fs.readFileSync(p);
      row.raw += bytes.length;
      row.gzip += zlib.gzipSync(bytes, { level: 9 }).length;
      row.brotli += zlib.brotliCompressSync(bytes, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 },
      }).length;
    }
    return row;
  };
  const line = (r) => console.log(`${r.kind.padEnd(10)} ${kb(r.raw)}  ${kb(r.gzip)}  ${kb(r.brotli)}`);
  const rows = [];
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const [kind, paths] of Object.entries(groups)) {
    const row = measure(kind, paths);
    for (const k of ['raw', 'gzip', 'brotli']) total[k] += row[k];
    rows.push(row);
  }
  console.log('first load   raw KB  gzip KB  brotli KB');
  for (const r of [...rows, { kind: 'total', ...total }]) line(r);
  const over = total.brotli > BUDGET_BROTLI;
  console.log(`budget: ${kb(total.brotli).trim()} of ${BUDGET_BROTLI / 1024} KB brotli ${over ? 'OVER BUDGET' : 'ok'}`);
  const worker = path.join(dist, WORKER);
  if (!fs.existsSync(worker)) {
    console.log(`service worker: no ${WORKER} in ${dist}`);
    return 1;
  }
  console.log('after load   raw KB  gzip KB  brotli KB');
  const sw = measure('sw.js', [worker]);
  line(sw);
  const overWorker = sw.brotli > WORKER_GOAL_BROTLI;
  console.log(`service worker: ${kb(sw.brotli).trim()} of ${WORKER_GOAL_BROTLI / 1024} KB brotli ${overWorker ? 'OVER ITS GOAL' : 'ok'}`);
  return over || overWorker ? 1 : 0;
}

/** Debian's Chromium, kept off the network (it would try to reach Google otherwise). */
async function launch() {
  const { chromium } = await import('@playwright/test');
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', '--disable-quic',
           '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1'],
  });
}

async function page(url) {
  const browser = await launch();
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const tab = await context.newPage();
    const cdp = await context.newCDPSession(tab);
    // A mid-range phone on a slow 4G link: 4x CPU slowdown, 1.6 Mbit/s, 150 ms RTT.
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 90_000,
    });
    await tab.goto(url);
    await tab.waitForSelector('html[data-ready]');
    runs.push(await tab.evaluate(() => {
      const paint = performance.getEntriesByName('first-contentful-paint')[0];
      const nav = performance.getEntriesByType('navigation')[0];
      return { fcp: paint ? paint.startTime : NaN, ready: performance.now(), dcl: nav.domContentLoadedEventEnd };
    }));
    await context.close();
  }
  await browser.close();
  const median = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[2];
  console.log('page metrics (median of 5, 4x CPU slowdown, slow 4G):');
  console.log(`  first contentful paint  ${median('fcp').toFixed(0)} ms`);
  console.log(`  DOMContentLoaded        ${median('dcl').toFixed(0)} ms`);
  console.log(`  storefront interactive  ${median('ready').toFixed(0)} ms`);
  return 0;
}

/** Main-thread time (CDP TaskDuration) for 100 taps that each make one event, minus
 * the same taps' cost without tracking work (a tap on an untracked element). */
async function tracking(url) {
  const browser = await launch();
  const results = [];
  for (let run = 0; run < 5; run++) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const tab = await context.newPage();
    const cdp = await context.newCDPSession(tab);
    await cdp.send('Performance.enable');
    await tab.goto(url);
    await tab.waitForSelector('html[data-ready]');
    await tab.waitForTimeout(1500);
    const taskTime = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value * 1000;
    const measure = async (selector) => {
      const before = await taskTime();
      // Each outbound social link makes one `outbound_click`; its default (leaving the
      // page) is cancelled by this page-side listener, after the app's own handler.
      await tab.evaluate((sel) => {
        const target = document.querySelector(sel);
        const stop = (e) => e.preventDefault();
        target.addEventListener('click', stop);
        for (let i = 0; i < 100; i++) target.click();
        target.removeEventListener('click', stop);
      }, selector);
      await tab.waitForTimeout(2500); // let the batches go out
      return (await taskTime()) - before;
    };
    const tracked = await measure('a.social');
    const untracked = await measure('p.handle');
    results.push(tracked - untracked);
    await context.close();
  }
  await browser.close();
  results.sort((a, b) => a - b);
  console.log(`tracking: main-thread time per 100 events (median of 5): ${results[2].toFixed(1)} ms`);
  return 0;
}

let status = 0;
for (let i = 0; i < args.length; i += 2) {
  if (args[i] === '--sizes') {
    const page = args.indexOf('--html') >= 0 ? args[args.indexOf('--html') + 1] : undefined;
    status |= sizes(args[i + 1], page);
  }
  else if (args[i] === '--page') status |= await page(args[i + 1]);
  else if (args[i] === '--tracking') status |= await tracking(args[i + 1]);
  else { console.error(`unknown option ${args[i]}`); status = 2; }
}
process.exit(status);

// Linkshelf benchmark: bundle bytes and page metrics. Reports; never times a test.
//   node tools/bench.mjs --sizes ../dist            bytes raw/gzip/brotli + budget check
//   node tools/bench.mjs --page http://127.0.0.1:N/ page metrics on a throttled phone
// The byte budget is deterministic, so --sizes exits non-zero when it is exceeded.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const BUDGET_BROTLI = 150 * 1024;
const args = process.argv.slice(2);
const kb = (n) => (n / 1024).toFixed(1).padStart(7);

function sizes(dist) {
  const files = fs.readdirSync(dist);
  const pick = (test) => files.filter(test).map((f) => path.join(dist, f));
  const groups = {
    html: [path.join(dist, 'index.html')],
    js: pick((f) => f.endsWith('.js')),
    wasm: pick((f) => f.endsWith('.wasm')),
    css: pick((f) => f.endsWith('.css')),
  };
  const rows = [];
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const [kind, paths] of Object.entries(groups)) {
    const row = { kind, raw: 0, gzip: 0, brotli: 0 };
    for (const p of paths) {
      const bytes = fs.readFileSync(p);
      row.raw += bytes.length;
      row.gzip += zlib.gzipSync(bytes, { level: 9 }).length;
      row.brotli += zlib.brotliCompressSync(bytes, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 },
      }).length;
    }
    for (const k of ['raw', 'gzip', 'brotli']) total[k] += row[k];
    rows.push(row);
  }
  console.log('first load   raw KB  gzip KB  brotli KB');
  for (const r of [...rows, { kind: 'total', ...total }]) {
    console.log(`${r.kind.padEnd(10)} ${kb(r.raw)}  ${kb(r.gzip)}  ${kb(r.brotli)}`);
  }
  const over = total.brotli > BUDGET_BROTLI;
  console.log(`budget: ${kb(total.brotli).trim()} of ${BUDGET_BROTLI / 1024} KB brotli ${over ? 'OVER BUDGET' : 'ok'}`);
  return over ? 1 : 0;
}

async function page(url) {
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', '--disable-quic',
           '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1'],
  });
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

let status = 0;
for (let i = 0; i < args.length; i += 2) {
  if (args[i] === '--sizes') status |= sizes(args[i + 1]);
  else if (args[i] === '--page') status |= await page(args[i + 1]);
  else { console.error(`unknown option ${args[i]}`); status = 2; }
}
process.exit(status);

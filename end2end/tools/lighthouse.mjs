// Lighthouse (mobile preset: a mid-range phone on slow 4G) on several pages, runs
// interleaved so they share the machine's ups and downs; prints the median of each
// metric per page. A benchmark: it reports, it never fails on a time.
// Usage: node tools/lighthouse.mjs [--runs 5] URL [URL …]
// Lighthouse is not a test dependency: scripts/bench.sh installs it into
// target/bench-tools (LIGHTHOUSE_DIR) on first use.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
let runs = 5;
const urls = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else urls.push(args[i]);
}
const dir = resolve(process.env.LIGHTHOUSE_DIR || '../target/bench-tools');
const require = createRequire(join(dir, 'package.json'));
const lighthouse = (await import(pathToFileURL(require.resolve('lighthouse')).href)).default;
const chromeLauncher = await import(pathToFileURL(require.resolve('chrome-launcher')).href);

// Lighthouse's figures are simulated (Lantern: the trace replayed on a slow phone
// and network). The observed paints of the trace itself say what painted first: a
// simulated LCP after the FCP can come from requests merely started before the
// largest paint (pictures further down the page), while the observed two are equal.
const observed = (key) => (lhr) => lhr.audits.metrics?.details?.items?.[0]?.[key] ?? NaN;
const METRICS = [
  ['LCP ms', 'largest-contentful-paint'],
  ['FCP ms', 'first-contentful-paint'],
  ['TBT ms', 'total-blocking-time'],
  ['CLS', 'cumulative-layout-shift'],
  ['obs FCP', observed('observedFirstContentfulPaint')],
  ['obs LCP', observed('observedLargestContentfulPaint')],
];
const results = new Map(urls.map((u) => [u, METRICS.map(() => [])]));
for (let run = 0; run < runs; run++) {
  for (const url of urls) {
    const chrome = await chromeLauncher.launch({
      chromePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu'],
    });
    try {
      const { lhr } = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: ['performance'] });
      METRICS.forEach(([, id], i) => results.get(url)[i].push(typeof id === 'function' ? id(lhr) : lhr.audits[id].numericValue));
    } finally {
      await chrome.kill();
    }
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`Lighthouse mobile, median of ${runs} interleaved runs`);
console.log(['page'.padEnd(48), ...METRICS.map(([name]) => name.padStart(8))].join(''));
for (const [url, values] of results) {
  const cells = values.map((xs, i) => (METRICS[i][0] === 'CLS' ? median(xs).toFixed(3) : Math.round(median(xs)).toString()));
  console.log([url.padEnd(48), ...cells.map((c) => c.padStart(8))].join(''));
}

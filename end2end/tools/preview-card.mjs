// Draws the link-preview card a chat app would show for a built page, from its OpenGraph
// and Twitter tags, and checks them against the card validators' documented rules
// (absolute https image, title, description, image alt, a known twitter:card).
// Usage: node tools/preview-card.mjs <dist> <page path, e.g. p/speckled-mug/> <out.png>
import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dist, page = '', out = 'card.png'] = process.argv.slice(2);
const html = readFileSync(join(dist, page, page.endsWith('.html') ? '' : 'index.html'), 'utf8');
const tag = (attr, name) =>
  html.match(new RegExp(`<meta ${attr}="${name}" content="([^"]*)">`))?.[1]?.replace(/&quot;/g, '"').replace(/&amp;/g, '&');
const card = {
  title: tag('property', 'og:title'),
  description: tag('property', 'og:description'),
  image: tag('property', 'og:image'),
  alt: tag('property', 'og:image:alt'),
  site: tag('property', 'og:site_name'),
  url: tag('property', 'og:url'),
  kind: tag('name', 'twitter:card'),
};
const problems = [];
if (!card.title) problems.push('no og:title');
if (!card.description) problems.push('no og:description');
if (!card.image?.startsWith('https://')) problems.push(`og:image must be an absolute https URL: ${card.image}`);
if (!card.alt) problems.push('no og:image:alt');
if (!['summary', 'summary_large_image'].includes(card.kind)) problems.push(`twitter:card ${card.kind}`);
if ((card.title ?? '').length > 70) problems.push('og:title over 70 characters: apps cut it');
if (card.image?.endsWith('.svg')) problems.push('og:image is SVG: most apps show no picture (use PNG, JPEG or WebP)');
console.log(JSON.stringify(card, null, 2));
console.log(problems.length ? `problems:\n  ${problems.join('\n  ')}` : 'no problems');

// The image is drawn from the built site (the page's address is not live here).
const local = card.image ? join(dist, new URL(card.image).pathname.replace(/^\/[^/]*?\/?/, '')) : '';
const src = (() => {
  try {
    const bytes = readFileSync(local);
    const type = local.endsWith('.svg') ? 'image/svg+xml' : local.endsWith('.png') ? 'image/png' : 'image/jpeg';
    return `data:${type};base64,${bytes.toString('base64')}`;
  } catch {
    return card.image;
  }
})();
const large = card.kind === 'summary_large_image';
const esc = (t = '') => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox'] });
const view = await browser.newPage({ viewport: { width: 420, height: large ? 520 : 220 }, deviceScaleFactor: 2 });
await view.setContent(`<body style="margin:0;padding:24px;background:#e9e9ee;font:15px/1.35 system-ui,sans-serif">
  <div style="width:320px;border-radius:18px;overflow:hidden;background:#fff;box-shadow:0 1px 3px #0003;display:${large ? 'block' : 'flex'}">
    <img src="${src}" alt="" style="display:block;${large ? 'width:100%;aspect-ratio:1.91;' : 'width:96px;height:96px;'}object-fit:cover;background:#ddd">
    <div style="padding:10px 14px">
      <div style="font-weight:600">${esc(card.title)}</div>
      <div style="color:#555;font-size:13px;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden">${esc(card.description)}</div>
      <div style="color:#888;font-size:12px;margin-top:4px">${esc(new URL(card.url ?? 'https://x/').host)}</div>
    </div>
  </div></body>`);
await view.screenshot({ path: out });
await browser.close();
process.exit(problems.length ? 1 : 0);

// Minifies the wasm-bindgen JS glue and the stylesheets in a Trunk staging folder,
// updates their Subresource Integrity hashes in index.html, and serves the three
// stylesheets as one. Trunk's own
// minifier cannot parse the glue (`export default`) and would strip the HTML
// comments that mark where the storefront goes, so it stays off; esbuild does these
// two file types well. Together they were about 2 KB brotli of the first load.
//
//   node end2end/tools/minify-assets.mjs <staging dir>
//
// Files keep Trunk's names (hashed before minifying, so still different for every
// different build). Plain Node 20 + esbuild from end2end/.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node end2end/tools/minify-assets.mjs <staging dir>');
  process.exit(2);
}
const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const index = join(dir, 'index.html');
let html = readFileSync(index, 'utf8');
const assets = readdirSync(dir).filter((name) => /^linkshelf-web.*\.js$/.test(name) || /\.css$/.test(name));
if (!assets.some((name) => name.endsWith('.js'))) {
  console.error(`no linkshelf-web*.js in ${dir}`);
  process.exit(1);
}
// leptos always links server_fn, whose wasm-streams dependency exports three stream
// adapter classes; a client-rendered page never creates them. Un-exported, esbuild
// drops them (and their finalizers) as unused code.
const DEAD_EXPORTS = /^export class (IntoUnderlyingByteSource|IntoUnderlyingSink|IntoUnderlyingSource) /gm;
for (const name of assets) {
  const file = join(dir, name);
  const source = readFileSync(file);
  const loader = name.endsWith('.css') ? 'css' : 'js';
  const text = loader === 'js' ? source.toString('utf8').replace(DEAD_EXPORTS, 'class $1 ') : source.toString('utf8');
  const { code } = transformSync(text, { loader, minify: true, treeShaking: true, format: loader === 'js' ? 'esm' : undefined });
  writeFileSync(file, code);
  // Not every asset has an integrity attribute (the components' CSS is added by us).
  html = html.replaceAll(sri(source), sri(Buffer.from(code)));
  console.log(`minified ${name}: ${source.length} → ${Buffer.byteLength(code)} bytes`);
}

// The early-tap script (src/build/early.rs) goes inline into the page shell, so it
// runs before anything else can be tapped; a script file would be one more request
// on the critical path.
// Only the formats of the sinks the config names are kept (about 0.4 KB brotli for a
// site that sends to its collector alone); the script tag lists them and the bake
// refuses a shell whose list misses one of the checked config's sinks.
const EARLY_MARKER = /<!-- linkshelf:early-taps:[^>]*-->/;
if (!EARLY_MARKER.test(html)) throw new Error(`${index}: the early-taps marker is missing`);
// A config that is not even JSON (the live demo goes on building past its problems,
// to show them) keeps every format.
const ALL_SINKS = ['collector', 'plausible', 'posthog', 'umami', 'webhook'];
let kinds = ALL_SINKS;
try {
  const config = JSON.parse(readFileSync(process.env.LINKSHELF_CONFIG || 'demo/storefront.json', 'utf8'));
  kinds = [...new Set((config.tracking?.sinks ?? []).map((sink) => String(sink.kind)))].sort();
} catch {
  console.log('the config is not readable JSON: the early-tap script keeps every sink format');
}
const define = Object.fromEntries(['plausible', 'umami', 'posthog'].map((k) => [`LINKSHELF_${k.toUpperCase()}`, String(kinds.includes(k))]));
const earlySource = readFileSync(new URL('../../src/build/early-taps.js', import.meta.url), 'utf8');
const early = transformSync(earlySource, { loader: 'js', minify: true, treeShaking: true, format: 'iife', target: 'es2020', define }).code.trim();
if (early.includes('</script')) throw new Error('early-taps.js must not contain </script');
html = html.replace(EARLY_MARKER, () => `<script data-sinks="${kinds.join(' ')}">${early}</script>`);
console.log(`inlined early-taps.js for sinks [${kinds.join(', ')}]: ${earlySource.length} → ${Buffer.byteLength(early)} bytes`);

// One stylesheet instead of three (tokens, main, the components'): one request on a
// slow network and one brotli dictionary for all three. Named by its content, so a
// new deploy is never served a cached old one.
// Trunk links its files under the site's base path (`--public-url`, e.g. `/shop/`);
// index.html links the components' sheet at `/`.
const base = process.env.TRUNK_PUBLIC_URL || '/';
const at = `(?:${base.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}|/)`;
const links = [...html.matchAll(new RegExp(`<link rel="stylesheet" href="${at}([^"/]+\\.css)"[^>]*>\\n?`, 'g'))];
if (links.length > 1) {
  const css = links.map(([, name]) => readFileSync(join(dir, name), 'utf8')).join('\n');
  const combined = `linkshelf-${createHash('sha256').update(css).digest('hex').slice(0, 16)}.css`;
  writeFileSync(join(dir, combined), css);
  for (const [, name] of links) unlinkSync(join(dir, name));
  const tag = `<link rel="stylesheet" href="${base}${combined}" integrity="${sri(Buffer.from(css))}">\n`;
  html = html.replace(links[0][0], tag);
  for (const [element] of links.slice(1)) html = html.replace(element, '');
  console.log(`combined ${links.map(([, name]) => name).join(', ')} into ${combined}`);
}
// The page is the first paint: the app starts loading once it is on screen, not
// before. Trunk preloads the JS and WASM from the <head>, which puts them on the
// critical path of the largest paint (Lighthouse counts every request started
// before it); instead the loader imports them one frame after the first paint. The
// app only takes over a page that is already there, so nothing waits for it.
const loader = html.match(/<script type="module">\s*import init, \* as bindings from '([^']+)';\s*const wasm = await init\(\{ module_or_path: '([^']+)' \}\);[\s\S]*?<\/script>/);
if (!loader) throw new Error(`${index}: Trunk's loader script has changed shape; update minify-assets.mjs`);
const [script, jsUrl, wasmUrl] = loader;
html = html.replace(script, `<script type="module">
const start = async () => {
  const { default: init, ...bindings } = await import('${jsUrl}');
  const wasm = await init({ module_or_path: '${wasmUrl}' });
  window.wasmBindings = bindings;
  dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
};
requestAnimationFrame(() => setTimeout(start, 0));
</script>`);
html = html.replace(/<link rel="(?:modulepreload|preload)" href="[^"]+"[^>]*>/g, '');
writeFileSync(index, html);

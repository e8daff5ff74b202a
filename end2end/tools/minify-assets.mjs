// Minifies the wasm-bindgen JS glue and the stylesheets in a Trunk staging folder,
// then updates their Subresource Integrity hashes in index.html. Trunk's own
// minifier cannot parse the glue (`export default`) and would strip the HTML
// comments that mark where the storefront goes, so it stays off; esbuild does these
// two file types well. Together they were about 2 KB brotli of the first load.
//
//   node end2end/tools/minify-assets.mjs <staging dir>
//
// Files keep Trunk's names (hashed before minifying, so still different for every
// different build). Plain Node 20 + esbuild from end2end/.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
for (const name of assets) {
  const file = join(dir, name);
  const source = readFileSync(file);
  const loader = name.endsWith('.css') ? 'css' : 'js';
  const { code } = transformSync(source.toString('utf8'), { loader, minify: true, format: loader === 'js' ? 'esm' : undefined });
  writeFileSync(file, code);
  // Not every asset has an integrity attribute (the components' CSS is added by us).
  html = html.replaceAll(sri(source), sri(Buffer.from(code)));
  console.log(`minified ${name}: ${source.length} → ${Buffer.byteLength(code)} bytes`);
}
writeFileSync(index, html);

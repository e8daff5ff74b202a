// Bakes another storefront config into a copy of an already-built site, without a
// second Trunk build (the WASM does not depend on the config).
// Usage: node tools/bake-copy.mjs <built dist> <config> <out dir>
//
// The built index.html already holds the demo's page, so this first puts back the three
// markers `linkshelf bake` fills (see src/build/bake.rs, `fill_page`): the head part
// (the language redirect if any, <title>… the description, canonical, preview, hreflang and
// JSON-LD tags …<style>…</style>), the data element and the prerendered page (the app
// element and the language links after it, last in the body). Then it runs
// target/debug/linkshelf (built by the Trunk hook) on the copy.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const HEAD = /(?:<script>\(function\(f,b\)[\s\S]*?<\/script>)?<title>[^<]*<\/title>[\s\S]*?<style>[^<]*<\/style>/g;
const DATA = /<script\b[^>]*\bid="linkshelf-data"[^>]*>[\s\S]*?<\/script>/g;
const PAGE = /<div id="app" data-route="[^"]*">[\s\S]*<\/div>(?:<nav class="languages"[\s\S]*?<\/nav>)?(?=<\/body>)/g;

export function bakeCopy(dist, config, out) {
  rmSync(out, { recursive: true, force: true });
  cpSync(dist, out, { recursive: true });
  const index = join(out, 'index.html');
  const html = readFileSync(index, 'utf8');
  for (const [name, pattern] of [['head', HEAD], ['data', DATA], ['page', PAGE]]) {
    const found = html.match(pattern)?.length ?? 0;
    if (found !== 1) throw new Error(`${index}: expected one baked ${name} part, found ${found}`);
  }
  const shell = html
    .replace(HEAD, '<!-- linkshelf:head -->')
    .replace(DATA, '<!-- linkshelf:data -->')
    .replace(PAGE, '<!-- linkshelf:page -->');
  writeFileSync(index, shell);
  execFileSync(join(root, 'target/debug/linkshelf'), ['bake', config, '--dist', out], { stdio: 'pipe' });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dist, config, out] = process.argv.slice(2);
  if (!dist || !config || !out) {
    console.error('usage: node tools/bake-copy.mjs <built dist> <config> <out dir>');
    process.exit(2);
  }
  bakeCopy(resolve(dist), resolve(config), resolve(out));
  console.log(`baked ${config} into ${out}`);
}

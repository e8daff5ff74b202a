#!/usr/bin/env bash
# Benchmark of brand mode (issue #13): a synthetic brand with N affiliates (realistic
# names in many scripts, 6–20 picks and one code each) and a 500-product catalogue,
# built and measured beside the same brand with 10 affiliates. Prints the bake's
# seconds (the release `linkshelf` already compiled: the part that grows with N), the
# built site's size, the median and largest affiliate page, and an affiliate page's
# first load. Reports only: nothing here fails on a time.
#   scripts/bench-brand.sh [N]              N defaults to 10000
#   scripts/bench-brand.sh N --catalogue    the brand's collections on every affiliate page
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
n="${1:-10000}"
catalogue="${2:-}"
out=target/bench-brand
rm -rf "$out" && mkdir -p "$out"
say "Generating brands with 10 and $n affiliates"
node end2end/tools/synthetic-brand.mjs 10 "$out/brand-10" ${catalogue:+--catalogue}
node end2end/tools/synthetic-brand.mjs "$n" "$out/brand-$n" ${catalogue:+--catalogue}

say "Building the page shell and the bundle (Trunk, once: shared by every page)"
LINKSHELF_CONFIG="$PWD/$out/brand-10/storefront.json" LINKSHELF_KEEP_SHELL="$PWD/$out/shell.html" \
  release_bundle --dist "$out/trunk" >"$out/trunk.log" 2>&1 || { tail -30 "$out/trunk.log" >&2; exit 1; }
cargo build --quiet --release --features cli --bin linkshelf

for size in 10 "$n"; do
  site="$out/site-$size"
  mkdir -p "$site"
  # The shared, hashed files Trunk wrote, and the shell each page is written from.
  find "$out/trunk" -maxdepth 1 -type f \( -name '*.js' -o -name '*.wasm' -o -name '*.css' -o -name '*.svg' \) -exec cp {} "$site/" \;
  cp "$out/shell.html" "$site/index.html"
  start=$(date +%s.%N)
  target/release/linkshelf bake "$out/brand-$size/storefront.json" --dist "$site" >"$out/bake-$size.log" 2>&1 \
    || { cat "$out/bake-$size.log" >&2; exit 1; }
  end=$(date +%s.%N)
  node - "$site" "$size" "$start" "$end" <<'JS'
const fs = require('fs'), path = require('path'), zlib = require('zlib');
const [site, n, start, end] = process.argv.slice(2);
const brotli = (b) => zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
let bytes = 0, files = 0;
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p); else { bytes += fs.statSync(p).size; files++; }
  }
})(site);
const pages = fs.readdirSync(path.join(site, 'c')).map((h) => path.join(site, 'c', h, 'index.html'));
const sized = pages.map((p) => [fs.statSync(p).size, p]).sort((a, b) => a[0] - b[0]);
const median = sized[Math.floor(sized.length / 2)], max = sized[sized.length - 1];
const shared = fs.readdirSync(site).filter((f) => /\.(js|wasm|css)$/.test(f)).map((f) => path.join(site, f));
const first = (page) => brotli(fs.readFileSync(page)) + shared.reduce((s, f) => s + brotli(fs.readFileSync(f)), 0);
const kb = (x) => (x / 1024).toFixed(1);
console.log(`N = ${n}: bake ${(end - start).toFixed(1)} s; site ${(bytes / 1e6).toFixed(1)} MB in ${files} files; ` +
  `affiliate page HTML median ${kb(median[0])} KB, max ${kb(max[0])} KB (${path.basename(path.dirname(max[1]))}); ` +
  `first load of the median page ${kb(first(median[1]))} KB brotli (HTML ${kb(brotli(fs.readFileSync(median[1])))} KB)`);
console.log(`  shared files: ${shared.map((f) => path.basename(f)).join(', ')}`);
JS
done

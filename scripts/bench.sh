#!/usr/bin/env bash
# Benchmark: builds the release site and reports its bytes (raw, gzip, brotli), page
# metrics on a throttled phone profile and Lighthouse's mobile metrics. Figures go in
# docs/testing.md and the README. Reports only: nothing here fails on a time.
#   scripts/bench.sh                 bytes, page metrics, Lighthouse on home and a product
#   scripts/bench.sh --vs DIR        the same Lighthouse runs, interleaved with a reference
#                                    page in DIR (e.g. a copy of sethcottle/littlelink),
#                                    served by the same local server under /__vs/
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh --with-browser
vs=""
if [ "${1:-}" = "--vs" ]; then
  vs="$(cd "${2:?--vs needs a directory}" && pwd)"
fi
release_bundle
# Lighthouse is a benchmark tool, not a test dependency: installed here, once.
if [ ! -d target/bench-tools/node_modules/lighthouse ]; then
  say "Installing Lighthouse for the benchmark (once)"
  npm install --prefix target/bench-tools lighthouse@13.5.0 --no-audit --no-fund --loglevel=error
fi
if [ -n "$vs" ]; then
  rm -rf dist/__vs && cp -r "$vs" dist/__vs
fi
port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
end2end/node_modules/.bin/http-server dist -a 127.0.0.1 -p "$port" -s -c-1 >/dev/null &
server_pid=$!
node end2end/tools/event-sink.mjs >/dev/null &
sink_pid=$!
trap 'kill "$server_pid" "$sink_pid" 2>/dev/null || true; rm -rf dist/__vs' EXIT
wait_for_url "http://127.0.0.1:$port/"
product="$(node -e 'const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(c.products[0].id)' "${LINKSHELF_CONFIG:-demo/storefront.json}")"
cd end2end
node tools/bench.mjs --sizes ../dist --page "http://127.0.0.1:$port/" --tracking "http://127.0.0.1:$port/"
pages=("http://127.0.0.1:$port/" "http://127.0.0.1:$port/p/$product/")
if [ -n "$vs" ]; then pages+=("http://127.0.0.1:$port/__vs/"); fi
node tools/lighthouse.mjs --runs 5 "${pages[@]}"

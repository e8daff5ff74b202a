#!/usr/bin/env bash
# Benchmark: builds the release site and reports its bytes (raw, gzip, brotli) and
# page metrics on a throttled phone profile. Figures go in the README.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh --with-browser
release_bundle
port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
end2end/node_modules/.bin/http-server dist -a 127.0.0.1 -p "$port" -s -c-1 &
server_pid=$!
node end2end/tools/event-sink.mjs >/dev/null &
sink_pid=$!
trap 'kill "$server_pid" "$sink_pid" 2>/dev/null || true' EXIT
wait_for_url "http://127.0.0.1:$port/"
cd end2end && node tools/bench.mjs --sizes ../dist --page "http://127.0.0.1:$port/" --tracking "http://127.0.0.1:$port/"

#!/usr/bin/env bash
# Quick start, command 2: install what is missing, then run every test: native unit
# and integration tests, the release build of the demo site, the end-to-end suite in
# Chromium against that build on a local static server, and the bundle-size report.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh --with-browser

say "Format and lints (rustfmt, clippy with warnings as errors, native and WASM)"
cargo fmt --all --check
cargo clippy --workspace --all-targets --features linkshelf/cli,linkshelf/ssr -- -D warnings
cargo clippy --target wasm32-unknown-unknown --features hydrate --bin linkshelf-web -- -D warnings

say "Native tests (the core's rules, config checks, CLI, native rendering)"
cargo test -p linkshelf-core
cargo test --features cli,ssr

say "Collector tests (ingest, webhooks, stats, kill -9 under load) over real HTTP and SQLite"
# A debug build: it compiles in about a minute where the optimised one takes several,
# and no collector test asserts on time.
cargo test -p linkshelf-collector

say "Collector with ClickHouse as the shared store: two replicas and ZooKeeper on loopback"
# Debian's packages (clickhouse-server 18.16, the oldest server the collector supports),
# installed when missing; scripts/clickhouse-cluster.sh starts them with private config
# and data, and stops them by PID.
if ! have clickhouse-server || [ ! -f /usr/share/java/zookeeper.jar ]; then
  if [ "$(id -u)" = 0 ] && have apt-get; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clickhouse-server zookeeper >/dev/null
  else
    echo "The ClickHouse tests need Debian's clickhouse-server and zookeeper: run 'sudo apt-get install --no-install-recommends clickhouse-server zookeeper'." >&2
    exit 1
  fi
fi
ch_dir="$(mktemp -d)"
trap 'scripts/clickhouse-cluster.sh stop "$ch_dir"' EXIT
scripts/clickhouse-cluster.sh start "$ch_dir" >/dev/null
(source "$ch_dir/env" && cargo test -p linkshelf-collector --test clickhouse -- --nocapture)
scripts/clickhouse-cluster.sh stop "$ch_dir"
trap - EXIT
rm -rf "$ch_dir"

say "A broken config stops the build and lists every problem"
if LINKSHELF_CONFIG=tests/fixtures/broken-storefront.json trunk build --dist target/broken-dist >target/broken-build.log 2>&1; then
  echo "The build accepted tests/fixtures/broken-storefront.json" >&2
  exit 1
fi
for expected in 'the config has 5 problems' 'creator.time_zone: unknown time zone' 'creator.avatar.alt:' \
  'products[0].price: "-12.00 EUR": a price cannot be negative' 'products[0].checkout.url: "javascript:alert(1)"' \
  'collections[0].products[1]: unknown product "tote-xl"'; do
  grep -qF "$expected" target/broken-build.log || { echo "missing from the build's errors: $expected" >&2; cat target/broken-build.log >&2; exit 1; }
done
echo "ok: the build failed and named all 5 problems"

say "Release build of the demo storefront"
release_bundle

say "The live demo shows a broken config's problems in the page (scripts/demo.sh)"
rm -rf target/demo-problems
if ! LINKSHELF_DEMO=1 LINKSHELF_CONFIG=tests/fixtures/broken-storefront.json \
  release_bundle --dist target/demo-problems >target/demo-problems.log 2>&1; then
  echo "The demo build stopped at a broken config instead of showing it:" >&2
  tail -30 target/demo-problems.log >&2
  exit 1
fi
for expected in '5 problems in tests/fixtures/broken-storefront.json' 'creator.time_zone: unknown time zone' \
  'products[0].price: &quot;-12.00 EUR&quot;: a price cannot be negative'; do
  grep -qF "$expected" target/demo-problems/index.html || { echo "missing from the demo's problems page: $expected" >&2; exit 1; }
done
echo "ok: the page lists the problems"

say "End-to-end tests in Chromium"
# The tests own 127.0.0.1:8787 (the event sink, then the collector). Something else
# listening there would answer in their place, so refuse to run beside it.
if node -e 'require("net").connect(8787, "127.0.0.1").on("connect", () => process.exit(0)).on("error", () => process.exit(1))'; then
  echo "127.0.0.1:8787 is already in use; the end-to-end tests need it. Stop that process (by its PID) and run again." >&2
  exit 1
fi
port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
# A plain static file server with no rewrite rules, as GitHub Pages serves: real files
# only, a redirect from /p/x to /p/x/, and 404 for anything else.
end2end/node_modules/.bin/http-server dist -a 127.0.0.1 -p "$port" -s -c-1 &
server_pid=$!
# The demo config sends its events to a collector at 127.0.0.1:8787; a recording
# test endpoint stands there (it can be told to fail, hang or go down).
node end2end/tools/event-sink.mjs &
sink_pid=$!
collector_pid=""
subpath_pid=""
brand_pid=""
trap 'kill "$server_pid" "$sink_pid" $collector_pid $subpath_pid $brand_pid 2>/dev/null || true' EXIT
wait_for_url "http://127.0.0.1:$port/"
wait_for_url "http://127.0.0.1:8787/__events"
(cd end2end && BASE_URL="http://127.0.0.1:$port" SINK_URL="http://127.0.0.1:8787" npx playwright test --project storefront --project tracking)

say "End-to-end: brand mode (demo/brand.json): affiliate pages, their codes, their credit"
# The same bundle (its hashed files are the demo's), with the brand's pages.
LINKSHELF_CONFIG="$PWD/demo/brand.json" release_bundle --dist target/brand-site
brand_port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
end2end/node_modules/.bin/http-server target/brand-site -a 127.0.0.1 -p "$brand_port" -s -c-1 &
brand_pid=$!
wait_for_url "http://127.0.0.1:$brand_port/"
(cd end2end && BRAND_URL="http://127.0.0.1:$brand_port/" SINK_URL="http://127.0.0.1:8787" npx playwright test --project brand)
kill "$brand_pid" 2>/dev/null || true
brand_pid=""

say "End-to-end: the demo built for a sub-path (https://juno.github.io/shop/) and served there"
# The demo config with another site.url, next to a copy of its media.
rm -rf target/subpath target/subpath-site && mkdir -p target/subpath
cp -r demo/media target/subpath/
node -e 'const fs = require("fs"); const c = JSON.parse(fs.readFileSync("demo/storefront.json", "utf8"));
  delete c["$schema"]; c.site.url = "https://juno.github.io/shop/";
  fs.writeFileSync("target/subpath/storefront.json", JSON.stringify(c, null, 2));'
LINKSHELF_CONFIG="$PWD/target/subpath/storefront.json" release_bundle --dist target/subpath-site/shop
# GitHub Pages answers a project's missing paths with its own 404.html; http-server
# only looks at the root, so the page is copied there.
cp target/subpath-site/shop/404.html target/subpath-site/404.html
subpath_port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
end2end/node_modules/.bin/http-server target/subpath-site -a 127.0.0.1 -p "$subpath_port" -s -c-1 &
subpath_pid=$!
wait_for_url "http://127.0.0.1:$subpath_port/shop/"
(cd end2end && SUBPATH_URL="http://127.0.0.1:$subpath_port/shop/" SINK_URL="http://127.0.0.1:8787" npx playwright test --project subpath)
kill "$subpath_pid" 2>/dev/null || true
kill "$sink_pid" 2>/dev/null || true
wait "$sink_pid" 2>/dev/null || true

say "End-to-end: the shopper's journey into the real collector"
# The real collector takes the sink's port, with a fresh database; the same built sites
# (the demo and, served again, the brand) now send their events there.
cargo build --quiet -p linkshelf-collector --bin linkshelf-collector
rm -f target/e2e-collector.sqlite target/e2e-collector.sqlite-wal target/e2e-collector.sqlite-shm
brand_port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
end2end/node_modules/.bin/http-server target/brand-site -a 127.0.0.1 -p "$brand_port" -s -c-1 &
brand_pid=$!
token="e2e-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
shopify_secret="shpss_$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
# Signs the affiliates' own report links (at least 32 bytes).
report_secret="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
target/debug/linkshelf-collector --listen 127.0.0.1:8787 --db target/e2e-collector.sqlite \
  --allowed-origins "http://127.0.0.1:$port,http://127.0.0.1:$brand_port" --read-token "$token" --rate-limit 0 \
  --shopify-webhook-secret "$shopify_secret" --report-secret "$report_secret" \
  >target/e2e-collector.out 2>target/e2e-collector.log &
collector_pid=$!
# Juno's and Mia's own report links, made as a brand makes them (the link alone on stdout).
affiliate_link() {
  target/debug/linkshelf-collector affiliate-link --handle "$1" --days 1 --base-url http://127.0.0.1:8787 \
    --report-secret "$report_secret"
}
link_juno="$(affiliate_link junomakes)"
link_mia="$(affiliate_link mia.koenig)"
wait_for_url "http://127.0.0.1:8787/healthz"
wait_for_url "http://127.0.0.1:$brand_port/"
(cd end2end && COLLECTOR_PHASE=1 COLLECTOR_TOKEN="$token" SHOPIFY_SECRET="$shopify_secret" \
  BASE_URL="http://127.0.0.1:$port" BRAND_URL="http://127.0.0.1:$brand_port/" \
  AFFILIATE_LINK_JUNO="$link_juno" AFFILIATE_LINK_MIA="$link_mia" \
  SINK_URL="http://127.0.0.1:8787" npx playwright test --project collector-brand)
kill "$server_pid" "$brand_pid" "$collector_pid" 2>/dev/null || true

say "Bundle size (first load ≤ 150 KB brotli)"
node end2end/tools/bench.mjs --sizes dist

#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build the demo storefront and
# serve it at http://127.0.0.1:8080/ with live reload (edit demo/storefront.json).
# `scripts/demo.sh brand` serves the brand demo instead (demo/brand.json: a brand with
# five affiliates, each at /c/<handle>/, from demo/affiliates.csv).
#
# The demo is built into target/demo-site, never into dist/ (the release build you
# deploy). The URLs are printed once the shop answers. While it runs, every save
# rebuilds; a config with problems turns the page into a list of them (and the
# terminal shows them too) until a save fixes it. The compiler's output goes to
# target/demo-build.log.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
port="${PORT:-8080}"
config=demo/storefront.json
case "${1:-}" in
  "") ;;
  brand) config=demo/brand.json ;;
  *) echo "usage: scripts/demo.sh [brand]" >&2; exit 2 ;;
esac
export LINKSHELF_CONFIG="$config"
site=target/demo-site
mkdir -p target

# The report link stays the same across restarts: its token is kept in target/
# (ignored by git, readable by you only).
token_file=target/demo-report-token
if [ -n "${LINKSHELF_COLLECTOR_READ_TOKEN:-}" ]; then
  token="$LINKSHELF_COLLECTOR_READ_TOKEN"
elif [ -s "$token_file" ]; then
  token="$(cat "$token_file")"
else
  token="demo-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  (umask 077 && printf '%s\n' "$token" >"$token_file")
fi

# The event collector the demo config sends to (tracking.sinks: http://127.0.0.1:8787),
# on a database under target/, so the clicks you make show up in its report.
say "Starting the event collector on http://127.0.0.1:8787"
cargo build --quiet -p linkshelf-collector --bin linkshelf-collector
LINKSHELF_COLLECTOR_READ_TOKEN="$token" target/debug/linkshelf-collector \
  --listen 127.0.0.1:8787 --db target/demo-collector.sqlite \
  --allowed-origins "http://127.0.0.1:$port,http://localhost:$port" \
  >target/demo-collector.out 2>target/demo-collector.log &
collector_pid=$!
serve_pid=""
trap 'kill "$collector_pid" $serve_pid 2>/dev/null || true' EXIT
if ! wait_for_url "http://127.0.0.1:8787/healthz" || ! kill -0 "$collector_pid" 2>/dev/null; then
  echo "The collector did not start (is something else on port 8787?):" >&2
  cat target/demo-collector.log >&2
  exit 1
fi

say "Building the demo storefront (the first build takes a few minutes; log: target/demo-build.log)"
# Trunk's own output goes to the log; the terminal keeps the config's verdict,
# its problems (indented, one per line) and each rebuild's result.
export LINKSHELF_DEMO=1
trunk serve --dist "$site" --address 127.0.0.1 --port "$port" > >(
  tee target/demo-build.log \
    | grep --line-buffered -E 'is valid:|problems?( in|:)|^  [^ ]|the browser shows|✅|❌|ERROR' \
    | grep --line-buffered -vE '^ +(Compiling|Checking|Finished|Downloaded|Downloading|Running) '
) 2>&1 &
serve_pid=$!
# Until the first build is served: a few minutes the first time, seconds after.
for _ in $(seq 600); do
  if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$port/" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$serve_pid" 2>/dev/null; then
    echo "The demo did not build; the end of target/demo-build.log:" >&2
    tail -40 target/demo-build.log >&2
    exit 1
  fi
  sleep 1
done

printf '\n  \033[1mLinkshelf demo storefront:\033[0m http://127.0.0.1:%s/\n' "$port"
if [ "$config" = demo/brand.json ]; then
  printf '  An affiliate'"'"'s page: http://127.0.0.1:%s/c/junomakes/ (others: demo/affiliates.csv)\n' "$port"
fi
printf '  Its numbers (tap around, then reload): http://127.0.0.1:8787/v1/report?token=%s\n' "$token"
printf '  Edit %s and save: the page rebuilds. Ctrl-C stops the demo.\n\n' "$config"
wait "$serve_pid"

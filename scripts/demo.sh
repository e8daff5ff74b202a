#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build the demo storefront and
# serve it at http://127.0.0.1:8080/ with live reload (edit demo/storefront.json).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
port="${PORT:-8080}"

# The event collector the demo config sends to (tracking.sinks: http://127.0.0.1:8787),
# on a database under target/, so the clicks you make show up in its report.
say "Starting the event collector on http://127.0.0.1:8787"
cargo build --quiet -p linkshelf-collector --bin linkshelf-collector
token="${LINKSHELF_COLLECTOR_READ_TOKEN:-demo-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')}"
LINKSHELF_COLLECTOR_READ_TOKEN="$token" target/debug/linkshelf-collector \
  --listen 127.0.0.1:8787 --db target/demo-collector.sqlite \
  --allowed-origins "http://127.0.0.1:$port,http://localhost:$port" \
  >target/demo-collector.out 2>target/demo-collector.log &
collector_pid=$!
trap 'kill "$collector_pid" 2>/dev/null || true' EXIT
if ! wait_for_url "http://127.0.0.1:8787/healthz" || ! kill -0 "$collector_pid" 2>/dev/null; then
  echo "The collector did not start (is something else on port 8787?):" >&2
  cat target/demo-collector.log >&2
  exit 1
fi

printf '\n  Linkshelf demo storefront: http://127.0.0.1:%s/\n' "$port"
printf '  Its numbers (tap around, then reload): http://127.0.0.1:8787/v1/report?token=%s\n' "$token"
printf '  Collector log: target/demo-collector.log\n\n'
# Not exec: the trap above must stop the collector when trunk ends.
trunk serve --address 127.0.0.1 --port "$port"

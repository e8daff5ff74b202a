#!/usr/bin/env bash
# Collector benchmark: sustained ingest rate (events/s, batches of 50) and latency
# percentiles with a load generator on loopback, and the database size per million
# events. Figures go in the README's Collector section. Never fails on wall-clock time.
#   scripts/bench-collector.sh [seconds (default 20)] [concurrency (default 16)]
#   DURABILITY=normal scripts/bench-collector.sh   # compare with synchronous=NORMAL
#   MIX=visits scripts/bench-collector.sh          # typical visits instead of tagged product taps
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
concurrency="${2:-16}"
durability="${DURABILITY:-full}"
mix="${MIX:-tagged}"
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

say "Building the collector and its load generator (profile: collector)"
cargo build --quiet -p linkshelf-collector --profile collector --bins
bin=target/collector/linkshelf-collector
db=target/bench-collector.sqlite
rm -f "$db" "$db-wal" "$db-shm"

"$bin" --listen 127.0.0.1:0 --db "$db" --rate-limit 0 --durability "$durability" \
  --read-token bench-read-token-0123456789 >target/bench-collector.out 2>target/bench-collector.log &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  url="$(sed -n 's/^linkshelf-collector listening on //p' target/bench-collector.out)"
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "the collector did not start:" >&2; cat target/bench-collector.log >&2; exit 1; }

say "Sending batches of 50 for ${seconds}s from $concurrency clients (durability: $durability, mix: $mix)"
result="$(target/collector/linkshelf-collector-load --url "$url" --seconds "$seconds" --concurrency "$concurrency" --batch 50 --mix "$mix")"
echo "$result"

# A clean stop checkpoints the WAL into the one file, so its size is the whole database.
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT
events="$(printf '%s\n' "$result" | sed -n 's/.*events=\([0-9]*\) .*/\1/p' | head -1)"
bytes="$(stat -c %s "$db")"
per_million="$(awk -v b="$bytes" -v e="$events" 'BEGIN { if (e > 0) printf "%.0f", b / e * 1000000; else print 0 }')"
printf '\n  database: %s bytes for %s events = %s MB per million events\n' "$bytes" "$events" "$(awk -v p="$per_million" 'BEGIN { printf "%.1f", p / 1e6 }')"
printf '  machine: %s cores, %s\n' "$(nproc)" "$(uname -sr)"

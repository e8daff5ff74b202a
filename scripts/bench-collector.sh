#!/usr/bin/env bash
# Collector benchmark: sustained ingest rate (events/s, batches of 50) and latency
# percentiles with a load generator on loopback, and the database size per million
# events. Figures go in docs/collector.md's Benchmark section. Never fails on wall-clock
# time: it reports figures, the goals are read by people.
#   scripts/bench-collector.sh [seconds (default 20)] [concurrency (default 16)]
#   DURABILITY=normal scripts/bench-collector.sh   # compare with synchronous=NORMAL
#   MIX=visits scripts/bench-collector.sh          # typical visits instead of tagged product taps
#   CLICKHOUSE=1 scripts/bench-collector.sh [seconds] [concurrency]
#       # issue #15: the same load SQLite-only, then with shipping to a local two-replica
#       # ClickHouse cluster (scripts/clickhouse-cluster.sh); side by side, plus the lag
#       # from acknowledgement to visible in ClickHouse (p50/p99) and the catch-up time.
#   STATS_N=1000000 scripts/bench-collector.sh     # stats latency on N generated events
#       # (rolled up into the daily rollup, as a running collector keeps them)
#   STATS_N=1000000 STATS_ORDERS=1 scripts/bench-collector.sh
#       # ... with an order for every other purchase, its transaction id and code and no
#       # click id (as a shop's webhook sends them), so reports join orders by code.
#   STATS_N=1000000 CLICKHOUSE=1 scripts/bench-collector.sh
#       # ... from SQLite, then shipped to ClickHouse (the shipping rate) and read from
#       # there; disk per million events in each store.
#   CH_STATS_N=100000000 scripts/bench-collector.sh
#       # stats latency from ClickHouse on N events generated inside it (the same rows
#       # as STATS_N's, by INSERT ... SELECT FROM numbers(): 10^8 without a 35 GB SQLite
#       # file), its settled days rolled into event_days by the collector; disk per
#       # million events per replica.
#   CH_STATS_N=10000000 CH_STATS_ORDERS=1 scripts/bench-collector.sh
#       # ... then again with orders for half the purchases, each with its transaction
#       # id and the checkout's code and no click id (as a shop's webhook sends them), so
#       # reports join orders to checkouts by code.
#   CH_BATCH_ROWS=50000 rows per ClickHouse insert (the collector's default)
#   COLLECTOR_BIN=path  run this collector binary instead of the one just built (to
#       # interleave runs of two builds: runs of one build differ by several points)
#   PIN=1 CLICKHOUSE=1 scripts/bench-collector.sh [seconds] [concurrency]
#       # both ingest runs with the collector and the load generator on CPU 0 and
#       # ClickHouse + ZooKeeper on CPU 1 (taskset): the shipping run then measures what
#       # shipping costs the collector, as with ClickHouse on its own machines, instead of
#       # the cores ClickHouse takes from it here. Needs 2 cores or more.
# Everything it starts (collectors, ClickHouse, ZooKeeper) is stopped by PID on exit, and
# its scratch directory removed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
concurrency="${2:-16}"
durability="${DURABILITY:-full}"
mix="${MIX:-tagged}"
clickhouse="${CLICKHOUSE:-0}"
stats_n="${STATS_N:-}"
stats_orders=()
[ "${STATS_ORDERS:-0}" = 1 ] && stats_orders=(--orders)
ch_stats_n="${CH_STATS_N:-}"
ch_stats_orders="${CH_STATS_ORDERS:-0}"
ch_batch_rows="${CH_BATCH_ROWS:-50000}"
pin="${PIN:-0}"
# Command prefixes that pin to CPU 0 (collector, load) and CPU 1 (ClickHouse), or nothing.
# taskset execs the command, so `$!` is still the collector's PID.
cpu0=()
cpu1=()
if [ "$pin" = 1 ]; then
  [ "$(nproc)" -ge 2 ] || { echo "PIN=1 needs at least 2 cores (this machine has $(nproc))" >&2; exit 1; }
  cpu0=(taskset -c 0)
  cpu1=(taskset -c 1)
fi
token=bench-read-token-0123456789
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
now_ms() { date +%s%3N; }

say "Building the collector, its load generator and fixture generator (profile: collector)"
cargo build --quiet -p linkshelf-collector --profile collector --bins
bin="${COLLECTOR_BIN:-target/collector/linkshelf-collector}"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/linkshelf-bench.XXXXXX")"
pid=""
cluster_started=0
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ "$cluster_started" = 1 ]; then scripts/clickhouse-cluster.sh stop "$scratch/ch" || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

# start_collector DB LOG [extra flags…]: starts a collector on a free loopback port; sets
# $pid and $url.
start_collector() {
  local db="$1" log="$2"
  shift 2
  "${cpu0[@]}" "$bin" --listen 127.0.0.1:0 --db "$db" --rate-limit 0 --durability "$durability" \
    --read-token "$token" "$@" >"$log.out" 2>"$log.log" &
  pid=$!
  url=""
  for _ in $(seq 300); do
    url="$(sed -n 's/^linkshelf-collector listening on //p' "$log.out")"
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$url" ] || { echo "the collector did not start:" >&2; cat "$log.log" >&2; exit 1; }
}

# A clean stop checkpoints the WAL into the one file, so its size is the whole database.
stop_collector() {
  awk '/^VmHWM:/ { printf "  collector peak memory (VmHWM): %.0f MB\n", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null || true
  kill -TERM "$pid"
  wait "$pid" || true
  pid=""
}

field() { printf '%s\n' "$2" | sed -n "s/.*[ ^]$1=\([0-9.]*\).*/\1/p; s/^$1=\([0-9.]*\).*/\1/p" | head -1; }

# "unshipped shipped" rows from the collector's /healthz, or "-1 -1" when unknown.
backlog() {
  curl -s --max-time 5 "$url/healthz" |
    jq -r '"\(.clickhouse.unshipped_rows // -1) \(.clickhouse.shipped_rows // -1)"' 2>/dev/null || echo "-1 -1"
}

# wait_shipped MIN: waits (up to an hour) until the collector has nothing left to ship and
# has shipped at least MIN rows (the report starts at zero before the first round has
# measured anything); prints the Unix ms at which it saw that.
wait_shipped() {
  local min="$1" deadline=$(($(date +%s) + 3600)) waiting shipped
  while :; do
    read -r waiting shipped < <(backlog)
    [ "$waiting" = 0 ] && [ "$shipped" -ge "$min" ] && break
    [ "$(date +%s)" -lt "$deadline" ] || { echo "ClickHouse did not catch up within an hour" >&2; break; }
    sleep 0.05
  done
  now_ms
}

start_cluster() {
  say "Starting ZooKeeper and two ClickHouse replicas (scripts/clickhouse-cluster.sh)"
  cluster_started=1
  "${cpu1[@]}" scripts/clickhouse-cluster.sh start "$scratch/ch" >/dev/null
  # shellcheck disable=SC1091
  source "$scratch/ch/env"
  ch_url="$LINKSHELF_CH_URL1"
}

# ch_query SQL: one answer from replica 1, as text.
ch_query() { curl -s --max-time 60 --data-binary "$1" "$ch_url/"; }

# Disk of a ClickHouse database on one replica (its active parts; the other replica holds
# the same again). `bytes_on_disk` where the server has it, else `bytes`.
ch_disk() {
  local answer
  answer="$(ch_query "SELECT sum(bytes_on_disk) FROM system.parts WHERE database = '$1' AND active")"
  case "$answer" in
    '' | *[!0-9]*)
      echo "  (system.parts has no bytes_on_disk here: using bytes)" >&2
      ch_query "SELECT sum(bytes) FROM system.parts WHERE database = '$1' AND active"
      ;;
    *) echo "$answer" ;;
  esac
}

per_million_mb() { awk -v b="$1" -v e="$2" 'BEGIN { if (e > 0) printf "%.1f", b / e; else print 0 }'; }

# CPU seconds (user + system) a running process has used so far; 0 when it is gone.
cpu_s() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
  # Fields after the command name (which is in parentheses): utime is the 12th, stime the 13th.
  printf '%s\n' "${stat##*) }" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($12 + $13) / hz }'
}

# CPU seconds of the ClickHouse replicas and ZooKeeper together, when they run.
cluster_cpu_s() {
  local total=0 f
  if [ "$cluster_started" = 1 ]; then
    for f in "$scratch/ch/ch1.pid" "$scratch/ch/ch2.pid" "$scratch/ch/zk.pid"; do
      [ -f "$f" ] && total="$(awk -v a="$total" -v b="$(cpu_s "$(cat "$f")")" 'BEGIN { printf "%.1f", a + b }')"
    done
  fi
  echo "$total"
}

# run_load LABEL [extra load flags…]: sets $result, and prints where the CPU went while
# the load generator ran (these 2 cores are shared by all of it).
run_load() {
  local label="$1" c0 k0 started_ms wall collector_s
  shift
  say "$label: batches of 50 for ${seconds}s from $concurrency clients (durability: $durability, mix: $mix$([ "$pin" = 1 ] && echo ', collector and load on CPU 0, ClickHouse on CPU 1'))"
  c0="$(cpu_s "$pid")"
  k0="$(cluster_cpu_s)"
  started_ms="$(now_ms)"
  result="$("${cpu0[@]}" /usr/bin/time -f '%U %S' -o "$scratch/load.time" target/collector/linkshelf-collector-load --url "$url" \
    --seconds "$seconds" --concurrency "$concurrency" --batch 50 --mix "$mix" "$@")"
  wall="$(awk -v a="$started_ms" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }')"
  echo "$result"
  collector_s="$(awk -v a="$c0" -v b="$(cpu_s "$pid")" 'BEGIN { printf "%.1f", b - a }')"
  # The collector's CPU per event is steadier than events/s on a shared machine (where
  # the disk's and the neighbours' pace move the rate), so runs of two builds compare.
  printf '  CPU seconds while the load generator ran (%s s wall, %s cores): collector %s (%s µs per event), load generator %s, ClickHouse + ZooKeeper %s\n' \
    "$wall" "$(nproc)" "$collector_s" \
    "$(awk -v c="$collector_s" -v n="$(field events "$result")" 'BEGIN { if (n > 0) printf "%.1f", c * 1e6 / n; else print "-" }')" \
    "$(awk '{ printf "%.1f", $1 + $2 }' "$scratch/load.time")" \
    "$(awk -v a="$k0" -v b="$(cluster_cpu_s)" 'BEGIN { printf "%.1f", b - a }')"
}

# time_stats LABEL FROM TO: GET /v1/stats three times; prints each time and the median.
time_stats() {
  local label="$1" from="$2" to="$3" times=() t code
  for _ in 1 2 3; do
    read -r code t < <(curl -s -o /dev/null --max-time 1800 -w '%{http_code} %{time_total}\n' \
      -H "authorization: Bearer $token" "$url/v1/stats?from=$from&to=$to")
    [ "$code" = 200 ] || echo "  (stats answered $code)" >&2
    times+=("$t")
  done
  printf '  %-40s %s s, %s s, %s s (median %s s)\n' "$label" "${times[@]}" \
    "$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)"
}

# season_days END_MS: the first days (UTC) of the 90-, 30- and 7-day reports ending on
# END_MS's day ($season_from, $month_from, $week_from), and that day ($to_day).
season_days() {
  local end_ms="$1"
  day() { date -u -d "@$(($1 / 1000))" +%F; }
  season_from="$(day $((end_ms - 89 * 86400000)))"
  month_from="$(day $((end_ms - 29 * 86400000)))"
  week_from="$(day $((end_ms - 6 * 86400000)))"
  to_day="$(day "$end_ms")"
}

# rolled_stats DB LOG LABEL [extra flags…]: a collector on DB and $database rolls the
# settled days (all but the last 9 and today) into ClickHouse's day rollup (`ch_days`,
# its step every second instead of every 10 minutes) until every settled day with events
# is marked done (its days, hours and purchases), and counts the 10 days not yet settled
# provisionally (`recent_days`, `recent_hours`, `recent_purchases`) until each has a count; then the reports are timed (a count whose
# parts a merge renamed since is counted again within a second, or read raw by the
# report).
rolled_stats() {
  local db="$1" log="$2" label="$3" settled_ms want_days started done_days hour_days purchase_days recent_days recent_hours
  local recent_purchases
  shift 3
  settled_ms="$((($(now_ms) / 86400000 - 9) * 86400000))"
  want_days="$(ch_query "SELECT uniqExact(intDiv(event_time, 86400000)) FROM $database.events WHERE event_time < $settled_ms")"
  started="$(now_ms)"
  start_collector "$db" "$log" --clickhouse-url "$ch_url" --clickhouse-database "$database" \
    --clickhouse-cluster linkshelf --clickhouse-days-every-secs 1 "$@"
  say "Rolling $want_days settled days into ClickHouse's event_days, event_hours and purchase_days"
  for _ in $(seq 7200); do
    done_days="$(ch_query "SELECT count() FROM $database.event_days_done FINAL" || echo 0)"
    hour_days="$(ch_query "SELECT count() FROM $database.event_hours_done FINAL" || echo 0)"
    purchase_days="$(ch_query "SELECT count() FROM $database.purchase_days_done FINAL" || echo 0)"
    [ "$done_days" = "$want_days" ] && [ "$hour_days" = "$want_days" ] && [ "$purchase_days" = "$want_days" ] && break
    sleep 1
  done
  printf '  %s, %s and %s of %s settled days rolled up in %s s (%s event_days rows, %s event_hours rows, %s purchase_days rows)\n' \
    "$done_days" "$hour_days" "$purchase_days" "$want_days" \
    "$(awk -v a="$started" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }')" \
    "$(ch_query "SELECT count() FROM $database.event_days FINAL")" \
    "$(ch_query "SELECT count() FROM $database.event_hours FINAL")" \
    "$(ch_query "SELECT count() FROM $database.purchase_days FINAL")"
  for _ in $(seq 1800); do
    recent_days="$(ch_query "SELECT uniqExact(day) FROM $database.recent_days_done" || echo 0)"
    recent_hours="$(ch_query "SELECT uniqExact(day) FROM $database.recent_hours_done" || echo 0)"
    recent_purchases="$(ch_query "SELECT uniqExact(day) FROM $database.recent_purchases_done" || echo 0)"
    [ "$recent_days" -ge 10 ] && [ "$recent_hours" -ge 10 ] && [ "$recent_purchases" -ge 10 ] && break
    sleep 1
  done
  printf '  %s, %s and %s of 10 days not yet settled counted after %s s (%s recent_days rows, %s recent_hours rows, %s recent_purchases rows)\n' \
    "$recent_days" "$recent_hours" "$recent_purchases" \
    "$(awk -v a="$started" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }')" \
    "$(ch_query "SELECT count() FROM $database.recent_days FINAL")" \
    "$(ch_query "SELECT count() FROM $database.recent_hours FINAL")" \
    "$(ch_query "SELECT count() FROM $database.recent_purchases FINAL")"
  # The settled orders' checkouts, picked once (`ch_picks`; an order is settled when its
  # window, 5 minutes past it, is).
  local want_orders picked_orders
  want_orders="$(ch_query "SELECT count() FROM $database.orders FINAL WHERE created_at < $((settled_ms - 300000))")"
  for _ in $(seq 1800); do
    picked_orders="$(ch_query "SELECT uniqExact(provider, order_id) FROM $database.order_picks" || echo 0)"
    [ "$picked_orders" -ge "$want_orders" ] && break
    sleep 1
  done
  printf '  %s of %s settled orders picked after %s s\n' "$picked_orders" "$want_orders" \
    "$(awk -v a="$started" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }')"
  sleep 5
  time_stats "ClickHouse + day rollup, 90 days$label:" "$season_from" "$to_day"
  time_stats "ClickHouse + day rollup, 30 days:" "$month_from" "$to_day"
  time_stats "ClickHouse + day rollup, 7 days:" "$week_from" "$to_day"
  # Its partial first and last days' whole hours are read from the hours' rollup
  # (`event_hours`, `recent_hours`), the rest grouped over its part of the range (no
  # event of the range is copied raw).
  time_stats "ClickHouse + day rollup, 90 days to the ms:" "$((end_ms - 90 * 86400000))" "$end_ms"
  stop_collector
}

machine() {
  printf '  machine: %s cores, %s, load average %s (shared: other work may be running)\n' \
    "$(nproc)" "$(uname -sr)" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

if [ -n "$stats_n" ]; then
  # Stats latency and disk on N generated events (a 90-day season ending now).
  db="$scratch/stats.sqlite"
  say "Generating $stats_n events over 90 days into $db"
  gen="$(target/collector/linkshelf-collector-generate --db "$db" --events "$stats_n" "${stats_orders[@]}" 2>/dev/null)"
  echo "$gen"
  end_ms="$(field end_ms "$gen")"
  # Whole UTC days, as the report's presets ask (read from the daily rollup), and one
  # range to the millisecond (its first and last partial days read raw).
  season_days "$end_ms"
  bytes="$(stat -c %s "$db")"
  start_collector "$db" "$scratch/stats-sqlite"
  say "GET /v1/stats from SQLite ($(field rollup_rows "$gen") rollup rows)"
  time_stats "SQLite, 90 days ($stats_n events):" "$season_from" "$to_day"
  time_stats "SQLite, 30 days:" "$month_from" "$to_day"
  time_stats "SQLite, 7 days:" "$week_from" "$to_day"
  time_stats "SQLite, 90 days to the ms:" "$((end_ms - 90 * 86400000))" "$end_ms"
  stop_collector
  printf '  SQLite: %s bytes for %s events = %s MB per million events\n' "$bytes" "$stats_n" "$(per_million_mb "$bytes" "$stats_n")"
  if [ "$clickhouse" = 1 ]; then
    start_cluster
    database="bench_stats_$$"
    started="$(now_ms)"
    start_collector "$db" "$scratch/stats-ch" --clickhouse-url "$ch_url" --clickhouse-database "$database" \
      --clickhouse-cluster linkshelf --clickhouse-batch-rows "$ch_batch_rows"
    say "Shipping $stats_n events to ClickHouse ($ch_batch_rows rows per insert)"
    done_ms="$(wait_shipped "$stats_n")"
    ship_s="$(awk -v a="$started" -v b="$done_ms" 'BEGIN { printf "%.1f", (b - a) / 1000 }')"
    printf '  shipped in %s s (from the collector'"'"'s start) = %s rows/s\n' "$ship_s" \
      "$(awk -v n="$stats_n" -v s="$ship_s" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print 0 }')"
    say "GET /v1/stats from ClickHouse"
    time_stats "ClickHouse, 90 days ($stats_n events):" "$season_from" "$to_day"
    time_stats "ClickHouse, 7 days:" "$week_from" "$to_day"
    ch_bytes="$(ch_disk "$database")"
    in_ch="$(ch_query "SELECT count() FROM $database.events")"
    printf '  ClickHouse: %s bytes on one replica for %s rows (%s events) = %s MB per million events\n' \
      "$ch_bytes" "$in_ch" "$stats_n" "$(per_million_mb "$ch_bytes" "$stats_n")"
    stop_collector
    # The settled days (all but the last 9) into ClickHouse's day rollup (`ch_days`):
    # the collector's step every second instead of every 10 minutes, until every settled
    # day with events is marked done; then the same reports again.
    rolled_stats "$db" "$scratch/stats-ch-days" "" --clickhouse-batch-rows "$ch_batch_rows"
  fi
  machine
  exit 0
fi

if [ -n "$ch_stats_n" ]; then
  start_cluster
  database="bench_ch_stats_$$"
  say "Generating $ch_stats_n events over 90 days inside ClickHouse ($database)"
  gen="$(target/collector/linkshelf-collector-generate --clickhouse-url "$ch_url" --clickhouse-database "$database" \
    --clickhouse-cluster linkshelf --events "$ch_stats_n")"
  echo "$gen"
  end_ms="$(field end_ms "$gen")"
  season_days "$end_ms"
  # Reports read a merged table in a deployment; the inserts' parts merge in the
  # background (on both replicas) before anything is timed: until no merge has run on
  # replica 1 for 30 s (a merge is scheduled a little after the parts it merges appear).
  say "Waiting for the parts to merge"
  started="$(now_ms)"
  quiet=0
  for _ in $(seq 3600); do
    parts="$(ch_query "SELECT count() FROM system.parts WHERE database = '$database' AND table = 'events' AND active")"
    merging="$(ch_query "SELECT count() FROM system.merges WHERE database = '$database'")"
    if [ "$merging" = 0 ]; then quiet=$((quiet + 1)); else quiet=0; fi
    [ "$quiet" -ge 15 ] && break
    sleep 2
  done
  printf '  %s active parts of events after %s s\n' "$parts" \
    "$(awk -v a="$started" -v b="$(now_ms)" 'BEGIN { printf "%.0f", (b - a) / 1000 }')"
  # An empty outbox: this collector only rolls the settled days up and answers.
  rolled_stats "$scratch/ch-stats.sqlite" "$scratch/ch-stats" " ($ch_stats_n events)"
  if [ "$ch_stats_orders" = 1 ]; then
    say "Orders for half the purchases (their transaction id and code, no click id)"
    ch_query "INSERT INTO $database.orders SELECT 'shopify', assumeNotNull(transaction_id), toNullable(creator_id),
      event_time, event_time + 60000, 'EUR', ifNull(value, 0), 0, CAST(NULL AS Nullable(String)), coupon,
      CAST(NULL AS Nullable(String)), CAST(NULL AS Nullable(String)), CAST(NULL AS Nullable(String)),
      CAST(NULL AS Nullable(String)), CAST(NULL AS Nullable(String)), 1
      FROM $database.events WHERE name = 'purchase' AND transaction_id IS NOT NULL AND cityHash64(event_id) % 2 = 0"
    printf '  %s orders\n' "$(ch_query "SELECT count() FROM $database.orders")"
    rolled_stats "$scratch/ch-stats.sqlite" "$scratch/ch-stats-orders" " with orders"
  fi
  ch_bytes="$(ch_disk "$database")"
  printf '  ClickHouse: %s bytes on one replica for %s events = %s MB per million events\n' \
    "$ch_bytes" "$ch_stats_n" "$(per_million_mb "$ch_bytes" "$ch_stats_n")"
  machine
  exit 0
fi

db="$scratch/bench.sqlite"
start_collector "$db" "$scratch/sqlite"
run_load "SQLite only"
sqlite_result="$result"
stop_collector
events="$(field events "$sqlite_result")"
bytes="$(stat -c %s "$db")"
printf '\n  database: %s bytes for %s events = %s MB per million events\n' "$bytes" "$events" "$(per_million_mb "$bytes" "$events")"

if [ "$clickhouse" = 1 ]; then
  start_cluster
  database="bench_ingest_$$"
  db="$scratch/bench-ch.sqlite"
  start_collector "$db" "$scratch/ch-on" --clickhouse-url "$ch_url" --clickhouse-database "$database" \
    --clickhouse-cluster linkshelf --clickhouse-batch-rows "$ch_batch_rows"
  run_load "Shipping to ClickHouse" --probe-clickhouse "$ch_url" --probe-database "$database"
  ch_result="$result"
  ended_ms="$(field ended_ms "$ch_result")"
  caught_up_ms="$(wait_shipped 1)"
  ch_events="$(field events "$ch_result")"
  in_ch="$(ch_query "SELECT count() FROM $database.events")"
  ch_bytes="$(ch_disk "$database")"
  stop_collector
  s_rate="$(field events_per_second "$sqlite_result")"
  c_rate="$(field events_per_second "$ch_result")"
  printf '\n  %-24s %12s %10s\n' "" "events/s" "p99 ms"
  printf '  %-24s %12s %10s\n' "SQLite only" "$s_rate" "$(field p99_ms "$sqlite_result")"
  printf '  %-24s %12s %10s\n' "shipping to ClickHouse" "$c_rate" "$(field p99_ms "$ch_result")"
  printf '  shipping on / SQLite only: %s %%\n' "$(awk -v a="$c_rate" -v b="$s_rate" 'BEGIN { if (b > 0) printf "%.0f", a / b * 100; else print 0 }')"
  printf '  ClickHouse caught up %s s after the load ended (%s events acknowledged, %s rows in ClickHouse incl. probes)\n' \
    "$(awk -v a="$ended_ms" -v b="$caught_up_ms" 'BEGIN { printf "%.1f", (b - a) / 1000 }')" "$ch_events" "$in_ch"
  printf '  lag from acknowledgement to visible in ClickHouse: %s\n' "$(printf '%s\n' "$ch_result" | sed -n 's/^probe //p')"
  printf '  ClickHouse: %s bytes on one replica = %s MB per million events\n' "$ch_bytes" "$(per_million_mb "$ch_bytes" "$in_ch")"
fi
machine

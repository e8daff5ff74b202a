#!/usr/bin/env bash
# A throwaway ClickHouse cluster for the collector's tests (collector/tests/clickhouse.rs):
# one ZooKeeper and two clickhouse-server replicas of one shard, cluster `linkshelf`,
# all bound to 127.0.0.1 on free ports, with their config, data and logs under DIR.
#
#   scripts/clickhouse-cluster.sh start DIR   # prints the env lines below, also in DIR/env
#   scripts/clickhouse-cluster.sh stop DIR    # stops what `start` started, by its PIDs
#   scripts/clickhouse-cluster.sh stop-replica DIR N / start-replica DIR N   (N = 1 or 2)
#
# DIR/env holds LINKSHELF_CH_URL1, LINKSHELF_CH_URL2 (each replica's HTTP address),
# LINKSHELF_CH_DIR and LINKSHELF_CLICKHOUSE_TESTS=1, ready for `source`.
#
# Uses Debian's packages (`clickhouse-server`, 18.16 on Debian 12, and `zookeeper`).
# Processes are stopped by the PID this script started them with (DIR/*.pid), never by
# name. The minimal config is written here rather than edited from
# /etc/clickhouse-server/config.xml, so it does not depend on that file's layout.
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|stop-replica N|start-replica N DIR" >&2; exit 2; }
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

free_port() {
  # Node, not Python: the Quick start's machine has node for certain.
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

# Waits up to $2 tenths of a second for command $1 to succeed.
wait_until() {
  local tries="$2"
  until eval "$1" >/dev/null 2>&1; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || return 1
    sleep 0.1
  done
}

# ClickHouse's /ping answers "Ok." (with node's fetch: curl may not be installed).
ping_ok() {
  node -e 'fetch(process.argv[1]).then((r) => r.text()).then((t) => process.exit(t.trim() === "Ok." ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$1/ping"
}

zk_ok() { [ "$(exec 3<>/dev/tcp/127.0.0.1/"$1"; printf ruok >&3; head -c 4 <&3)" = imok ]; }

start_zookeeper() {
  local port
  port="$(free_port)"
  mkdir -p "$dir/zk/data"
  cat >"$dir/zk/zoo.cfg" <<EOF
tickTime=500
initLimit=10
syncLimit=5
dataDir=$dir/zk/data
clientPort=$port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,stat
EOF
  local cp=/etc/zookeeper/conf_example
  for jar in /usr/share/java/zookeeper.jar /usr/share/java/zookeeper-jute.jar /usr/share/java/slf4j-api.jar \
    /usr/share/java/log4j-1.2.jar /usr/share/java/slf4j-log4j12.jar /usr/share/java/netty.jar \
    /usr/share/java/netty-handler.jar /usr/share/java/netty-transport.jar /usr/share/java/netty-common.jar \
    /usr/share/java/netty-buffer.jar /usr/share/java/netty-codec.jar /usr/share/java/netty-resolver.jar \
    /usr/share/java/netty-transport-native-unix-common.jar /usr/share/java/netty-transport-classes-epoll.jar \
    /usr/share/java/commons-io.jar /usr/share/java/jline.jar /usr/share/java/metrics-core.jar \
    /usr/share/java/snappy-java.jar; do
    [ -f "$jar" ] && cp="$cp:$jar"
  done
  java -Xmx256m -cp "$cp" org.apache.zookeeper.server.ZooKeeperServerMain "$dir/zk/zoo.cfg" \
    >"$dir/zk/out.log" 2>&1 &
  echo $! >"$dir/zk.pid"
  echo "$port" >"$dir/zk.port"
  wait_until "zk_ok $port" 300 || { echo "ZooKeeper did not answer ruok on 127.0.0.1:$port" >&2; tail -20 "$dir/zk/out.log" >&2; exit 1; }
}

write_replica_config() {
  local n="$1" zk_port http tcp inter
  zk_port="$(cat "$dir/zk.port")"
  http="$(free_port)"; tcp="$(free_port)"; inter="$(free_port)"
  echo "$http $tcp $inter" >"$dir/ch$n.ports"
  mkdir -p "$dir/ch$n/data/tmp" "$dir/ch$n/data/user_files" "$dir/ch$n/data/format_schemas" "$dir/ch$n/log"
  cp /etc/clickhouse-server/users.xml "$dir/ch$n/users.xml"
  echo "$tcp" >"$dir/ch$n.tcp"
}

write_configs() {
  local n tcp1 tcp2
  for n in 1 2; do write_replica_config "$n"; done
  tcp1="$(cat "$dir/ch1.tcp")"; tcp2="$(cat "$dir/ch2.tcp")"
  for n in 1 2; do
    read -r http tcp inter <"$dir/ch$n.ports"
    cat >"$dir/ch$n/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>information</level>
    <log>$dir/ch$n/log/server.log</log>
    <errorlog>$dir/ch$n/log/server.err.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <interserver_http_port>$inter</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>8589934592</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$dir/ch$n/data/</path>
  <tmp_path>$dir/ch$n/data/tmp/</tmp_path>
  <user_files_path>$dir/ch$n/data/user_files/</user_files_path>
  <format_schema_path>$dir/ch$n/data/format_schemas/</format_schema_path>
  <users_config>$dir/ch$n/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <remote_servers>
    <linkshelf>
      <shard>
        <internal_replication>true</internal_replication>
        <replica><host>127.0.0.1</host><port>$tcp1</port></replica>
        <replica><host>127.0.0.1</host><port>$tcp2</port></replica>
      </shard>
    </linkshelf>
  </remote_servers>
  <zookeeper>
    <node><host>127.0.0.1</host><port>$(cat "$dir/zk.port")</port></node>
    <session_timeout_ms>10000</session_timeout_ms>
  </zookeeper>
  <macros>
    <shard>01</shard>
    <replica>replica$n</replica>
  </macros>
  <distributed_ddl>
    <path>/clickhouse/task_queue/ddl</path>
  </distributed_ddl>
</yandex>
EOF
  done
}

start_replica() {
  local n="$1" http
  read -r http _ _ <"$dir/ch$n.ports"
  # Runs as root here (as in CI); the server accepts it when given its config file.
  clickhouse-server --config-file="$dir/ch$n/config.xml" >"$dir/ch$n/log/stdout.log" 2>&1 &
  echo $! >"$dir/ch$n.pid"
  wait_until "ping_ok $http" 300 ||
    { echo "clickhouse-server replica $n did not answer /ping on 127.0.0.1:$http" >&2; tail -30 "$dir/ch$n/log/server.err.log" >&2; exit 1; }
}

stop_pid() {
  local file="$1" pid
  [ -f "$file" ] || return 0
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

case "$cmd" in
  start)
    command -v clickhouse-server >/dev/null || { echo "clickhouse-server is not installed (apt-get install clickhouse-server zookeeper)" >&2; exit 1; }
    [ -f /usr/share/java/zookeeper.jar ] || { echo "zookeeper is not installed (apt-get install zookeeper)" >&2; exit 1; }
    start_zookeeper
    write_configs
    start_replica 1
    start_replica 2
    read -r http1 _ _ <"$dir/ch1.ports"
    read -r http2 _ _ <"$dir/ch2.ports"
    cat >"$dir/env" <<EOF
export LINKSHELF_CLICKHOUSE_TESTS=1
export LINKSHELF_CH_URL1=http://127.0.0.1:$http1
export LINKSHELF_CH_URL2=http://127.0.0.1:$http2
export LINKSHELF_CH_DIR=$dir
EOF
    cat "$dir/env"
    ;;
  stop)
    stop_pid "$dir/ch1.pid"
    stop_pid "$dir/ch2.pid"
    stop_pid "$dir/zk.pid"
    ;;
  stop-replica) stop_pid "$dir/ch${3:?replica number}.pid" ;;
  start-replica) start_replica "${3:?replica number}" ;;
  *) echo "usage: $0 start|stop|stop-replica|start-replica DIR [N]" >&2; exit 2 ;;
esac

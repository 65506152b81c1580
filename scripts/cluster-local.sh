#!/usr/bin/env bash
# A whole BiDoRA cluster on this machine, to see cluster mode work: Debian's PostgreSQL and redis-server on free
# loopback ports under a throw-away folder, one web node and two workers (CPU), all sharing one folder.
# Needs: the .NET 10 SDK and apt-get install postgresql redis-server. Ctrl-C (or SIGTERM) stops everything and
# deletes the folder (CLUSTER_KEEP=1 keeps it). CLUSTER_WORKERS=N starts N workers; CLUSTER_PORT sets the web node's
# port (5000). BIDORA_BIN=path/to/bidora.dll uses that build instead of building BiDoRA.Workbench here.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

missing() { echo "cluster-local: $1 is missing ($2)" >&2; exit 2; }
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[[ -x "$pg_bin/initdb" ]] || missing PostgreSQL "apt-get install postgresql"
command -v redis-server >/dev/null || missing redis-server "apt-get install redis-server"
command -v dotnet >/dev/null || missing dotnet "install the .NET 10 SDK"
workers=${CLUSTER_WORKERS:-2}
[[ $workers =~ ^[1-9][0-9]*$ ]] || { echo "cluster-local: CLUSTER_WORKERS must be a whole number of 1 or more, not '$workers'" >&2; exit 2; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
healthy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET /api/health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && read -r status <&3 \
    && [[ $status == *" 200 "* ]]) 2>/dev/null
}
free_port() { local p; while :; do p=$(( 20000 + RANDOM % 40000 )); listening "$p" || { echo "$p"; return; }; done; }
web_port=${CLUSTER_PORT:-5000}
if listening "$web_port"; then echo "cluster-local: port $web_port is in use; set CLUSTER_PORT to a free one" >&2; exit 2; fi
pg_port=$(free_port); redis_port=$(free_port)

root=$(mktemp -d /tmp/bidora-cluster.XXXXXX)
chmod 755 "$root"
mkdir -p "$root/pg" "$root/shared" "$root/logs"
pids=()

# PostgreSQL refuses to run as root: as root, run it as the 'postgres' user that Debian's package creates.
as_pg() { if [[ $(id -u) -eq 0 ]]; then chown -R postgres:postgres "$root/pg"; runuser -u postgres -- "$@"; else "$@"; fi; }

alive() { local p; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
stop() {
  set +e
  trap - INT TERM
  echo "cluster-local: stopping" >&2
  (( ${#pids[@]} )) && kill "${pids[@]}" 2>/dev/null
  # Workers end their attempt and hand the job back; give them a while, then make sure.
  for _ in $(seq 1 100); do alive || break; sleep 0.2; done
  (( ${#pids[@]} )) && kill -9 "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
  [[ -f "$root/pg/data/postmaster.pid" ]] && as_pg "$pg_bin/pg_ctl" -D "$root/pg/data" -m fast -w stop >/dev/null 2>&1
  if [[ -z "${CLUSTER_KEEP:-}" ]]; then rm -rf "$root"; else echo "cluster-local: kept $root" >&2; fi
  echo "cluster-local: stopped" >&2
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fail() { echo "cluster-local: $1; the end of $2:" >&2; tail -n 30 "$2" >&2; exit 1; }

as_pg "$pg_bin/initdb" -D "$root/pg/data" -U postgres -A trust -E UTF8 >"$root/logs/initdb.log" 2>&1 || fail "initdb failed" "$root/logs/initdb.log"
as_pg "$pg_bin/pg_ctl" -D "$root/pg/data" -l "$root/pg/log.txt" -w \
  -o "-p $pg_port -k $root/pg -c listen_addresses=127.0.0.1" start >/dev/null || fail "PostgreSQL did not start" "$root/pg/log.txt"
as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "create database bidora" >/dev/null
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$root/logs/redis.log" 2>&1 &
pids+=($!)

if [[ -n "${BIDORA_BIN:-}" ]]; then
  [[ -f $BIDORA_BIN ]] || { echo "cluster-local: BIDORA_BIN=$BIDORA_BIN is not a file" >&2; exit 2; }
  bidora=(dotnet "$BIDORA_BIN")
else
  echo "cluster-local: building BiDoRA.Workbench (the first build restores packages and takes a few minutes)" >&2
  dotnet build BiDoRA.Workbench -nologo -v quiet --disable-build-servers >"$root/logs/build.log" 2>&1 || fail "the build failed" "$root/logs/build.log"
  bidora=(dotnet "$PWD/BiDoRA.Workbench/bin/Debug/net10.0/bidora.dll")
fi
export Workbench__Cluster__PostgreSql="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=bidora"
export Workbench__Cluster__Redis="127.0.0.1:$redis_port"
export Workbench__SharedDirectory="$root/shared"

"${bidora[@]}" serve --urls "http://127.0.0.1:$web_port" >"$root/logs/web.log" 2>&1 &
web=$!; pids+=($web)
# The web node creates the schema; workers start once it answers.
until healthy "$web_port"; do
  kill -0 "$web" 2>/dev/null || fail "the web node exited" "$root/logs/web.log"
  sleep 0.5
done
threads=$(( $(nproc) / workers )); (( threads > 0 )) || threads=1
for i in $(seq 1 "$workers"); do
  BIDORA_THREADS=$threads "${bidora[@]}" worker --name "worker-$i" --queues cpu --device cpu >"$root/logs/worker-$i.log" 2>&1 &
  pids+=($!)
done
# A worker is up once Hangfire has announced its server in PostgreSQL.
for i in $(seq 1 "$workers"); do
  until grep -q "successfully announced" "$root/logs/worker-$i.log"; do
    kill -0 "${pids[$((i + 1))]}" 2>/dev/null || fail "worker-$i exited" "$root/logs/worker-$i.log"
    sleep 0.5
  done
done

cat >&2 <<MSG
cluster-local: up
  web node    http://127.0.0.1:$web_port   (jobs: http://127.0.0.1:$web_port/hangfire)
  workers     $workers (worker-1 ...) on the cpu queue, $threads thread(s) each
  PostgreSQL  127.0.0.1:$pg_port   Redis 127.0.0.1:$redis_port
  folder      $root   (logs in $root/logs)
Ctrl-C stops everything.
MSG
wait -n "${pids[@]}" || true
CLUSTER_KEEP=1
echo "cluster-local: a process exited on its own; its log is in $root/logs" >&2
exit 1

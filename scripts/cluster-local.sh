#!/usr/bin/env bash
# A whole BiDoRA cluster on this machine, to see cluster mode work: Debian's PostgreSQL and redis-server on free
# loopback ports under a throw-away folder, one web node and two workers (CPU), all sharing one folder.
# Needs: apt-get install postgresql redis-server. Ctrl-C stops everything and deletes the folder
# (CLUSTER_KEEP=1 keeps it). CLUSTER_WORKERS=N starts N workers; CLUSTER_PORT sets the web node's port (5000).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[[ -x "$pg_bin/initdb" ]] || { echo "cluster-local: PostgreSQL is missing (apt-get install postgresql)" >&2; exit 2; }
command -v redis-server >/dev/null || { echo "cluster-local: redis-server is missing (apt-get install redis-server)" >&2; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
root=$(mktemp -d /tmp/bidora-cluster.XXXXXX)
chmod 755 "$root"
mkdir -p "$root/pg" "$root/shared" "$root/logs"
pg_port=$(free_port); redis_port=$(free_port); web_port=${CLUSTER_PORT:-5000}
pids=()

# PostgreSQL refuses to run as root: as root, run it as the 'postgres' user.
as_pg() { if [[ $(id -u) -eq 0 ]]; then chown -R postgres:postgres "$root/pg"; runuser -u postgres -- "$@"; else "$@"; fi; }

stop() {
  echo; echo "cluster-local: stopping" >&2
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  as_pg "$pg_bin/pg_ctl" -D "$root/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  if [[ -z "${CLUSTER_KEEP:-}" ]]; then rm -rf "$root"; else echo "cluster-local: kept $root" >&2; fi
}
trap stop EXIT INT TERM

as_pg "$pg_bin/initdb" -D "$root/pg/data" -U postgres -A trust -E UTF8 >"$root/logs/initdb.log"
as_pg "$pg_bin/pg_ctl" -D "$root/pg/data" -l "$root/pg/log.txt" -w \
  -o "-p $pg_port -k $root/pg -c listen_addresses=127.0.0.1" start >/dev/null
as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "create database bidora" >/dev/null
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$root/logs/redis.log" 2>&1 &
pids+=($!)

dotnet build BiDoRA.Workbench -v quiet -nologo >/dev/null
bidora=(dotnet BiDoRA.Workbench/bin/Debug/net10.0/bidora.dll)
export Workbench__Cluster__PostgreSql="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=bidora"
export Workbench__Cluster__Redis="127.0.0.1:$redis_port"
export Workbench__SharedDirectory="$root/shared"

"${bidora[@]}" serve --urls "http://127.0.0.1:$web_port" >"$root/logs/web.log" 2>&1 &
pids+=($!)
# The web node creates the schema; workers start once it answers.
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$web_port/api/health" >/dev/null 2>&1 && break; sleep 0.5; done
threads=$(( $(nproc) / ${CLUSTER_WORKERS:-2} )); (( threads > 0 )) || threads=1
for i in $(seq 1 "${CLUSTER_WORKERS:-2}"); do
  BIDORA_THREADS=$threads "${bidora[@]}" worker --name "worker-$i" --queues cpu --device cpu >"$root/logs/worker-$i.log" 2>&1 &
  pids+=($!)
done

cat >&2 <<MSG
cluster-local: up
  web node    http://127.0.0.1:$web_port   (jobs: http://127.0.0.1:$web_port/hangfire)
  workers     ${CLUSTER_WORKERS:-2} (worker-1 ...), $threads thread(s) each
  PostgreSQL  127.0.0.1:$pg_port   Redis 127.0.0.1:$redis_port
  folder      $root   (logs in $root/logs)
Ctrl-C stops everything.
MSG
wait -n "${pids[@]}" || true
echo "cluster-local: a process exited; see $root/logs" >&2

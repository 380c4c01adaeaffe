# Sourced by outage.sh and failover.sh: what both need to run the service on PostgreSQL
# clusters of their own under load. The caller sets `clusters` (the data directories under
# $work it starts) before sourcing; this file finds PostgreSQL's server programs, makes the
# work directory, and tears everything down at exit, whatever happens; it starts the
# replicas and the load, and reports on them.

pgbin="${KB_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
[ -x "$pgbin/pg_ctl" ] || { echo "PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) are not installed: apt-get install postgresql, or set KB_PG_BIN"; exit 1; }
work="$(mktemp -d)"
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for cluster in $clusters; do
    as_pg "$pgbin/pg_ctl" -D "$work/$cluster" -m immediate -w stop >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
# as_pg runs a server program as the user PostgreSQL runs as (it refuses root), from the
# work directory, which that user can read.
as_pg() {
  if [ "$(id -u)" = 0 ]; then (cd "$work" && runuser -u postgres -- "$@"); else (cd "$work" && "$@"); fi
}
[ "$(id -u)" != 0 ] || chown postgres "$work"
# free_port prints the first port from $1 on that nothing on 127.0.0.1 answers.
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}
now_ms() { date +%s%3N; }

# start_replicas N PORT DSN LABEL: builds the service and the load program, starts N
# replicas on DSN (ports from PORT on), once each is ready, and makes a curator's and an
# admin's token. It sets targets (their URLs, comma-separated), first, token and admin.
start_replicas() {
  local n=$1 port=$2 dsn=$3 label=$4
  go build -o "$work/kb" .
  go build -o "$work/outageload" ./internal/cmd/outageload
  targets=""
  for i in $(seq 1 "$n"); do
    port=$(free_port $((port + 1)))
    "$work/kb" -addr "127.0.0.1:$port" -db "$dsn" -rate-limit 0 -catalog-image "$work/replica-$i.image" -log-format json 2>"$work/replica-$i.log" &
    pids+=($!)
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { echo "replica $i did not start"; tail "$work/replica-$i.log"; exit 1; }
    targets="$targets${targets:+,}http://127.0.0.1:$port"
  done
  first="${targets%%,*}"
  token=$("$work/kb" token create -db "$dsn" -name "$label-curator" -role curator | tail -n 1)
  admin=$("$work/kb" token create -db "$dsn" -name "$label-admin" -role admin | tail -n 1)
}

# start_load SECONDS LABEL: runs the load program through the replicas for SECONDS in the
# background (its pid in load); the caller appends "down" and "up" to $work/events.
start_load() {
  "$work/outageload" -targets "$targets" -token "$token" -admin-token "$admin" -duration "$1s" \
    -events "$work/events" -label "$2" >"$work/load.out" 2>&1 &
  load=$!
  pids+=("$load")
}

# finish_load waits for the load and prints its report, the first replica's database
# metrics and the internal errors the replicas logged; it exits with the load's status.
finish_load() {
  local status=0 internal
  wait "$load" || status=$?
  cat "$work/load.out"
  echo "  metrics of $first:"
  curl -s "$first/metrics" | grep -E '^kb_db_' | sed 's/^/    /'
  internal=$(cat "$work"/replica-*.log | grep -c '"msg":"internal error"' || true)
  echo "  internal errors the replicas logged: $internal"
  cat "$work"/replica-*.log | { grep '"msg":"internal error"' || true; } | head -n 5 | sed 's/^/    /'
  exit "$status"
}

#!/usr/bin/env bash
# Database outage under load: a PostgreSQL server of the script's own (on a port of its
# own; 5432 is the machine's and is left alone), REPLICAS (default 3) processes of the
# service on it, and a bounded read and write load (internal/cmd/outageload) through all
# of them. After BEFORE seconds (default 10) the database is stopped (pg_ctl stop -m fast:
# its sessions are ended, new connections refused) for OUTAGE seconds (default 30), then
# started again; the load goes on AFTER seconds more. It prints reads served and their statuses,
# writes acknowledged and refused, the write-unavailable window, the time to recover,
# acknowledged writes found afterwards (must equal) and duplicates (must be 0), and exits
# non-zero on a loss, a duplicate, or a read that was not 200. Loopback only; everything is
# torn down at the end, whatever happens.
#
#   scripts/outage.sh [REPLICAS] [OUTAGE_SECONDS]
#
# Needs PostgreSQL's server programs (Debian: apt-get install postgresql; KB_PG_BIN names
# their directory if they are elsewhere). Run as root, the server runs as the user postgres.
set -euo pipefail
cd "$(dirname "$0")/.."
replicas="${1:-3}"
outage="${2:-30}"
before="${BEFORE:-10}"
after="${AFTER:-15}"

clusters="db"
# shellcheck source=scripts/pg-under-load.sh
source scripts/pg-under-load.sh

pgport=$(free_port "${KB_PG_PORT:-55433}")
as_pg "$pgbin/initdb" -D "$work/db" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
cat >>"$work/db/postgresql.conf" <<EOF
port = $pgport
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
EOF
as_pg "$pgbin/pg_ctl" -D "$work/db" -l "$work/db.log" -w start >/dev/null
timeout 30 "$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -qc "CREATE DATABASE kb TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"
dsn="postgres://postgres@127.0.0.1:$pgport/kb?sslmode=disable"

start_replicas "$replicas" 8310 "$dsn" outage
echo "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pgport; $replicas replicas: $targets"
echo "load for $((before + outage + after)) s; the database stops at +$before s for $outage s"

start_load "$((before + outage + after))" outage
sleep "$before"
echo "down $(now_ms)" >>"$work/events"
as_pg "$pgbin/pg_ctl" -D "$work/db" -m fast -w stop >/dev/null
echo "database stopped"
sleep 2
echo "  /readyz of $first:"
curl -s "$first/readyz" | sed 's/^/    /'
echo
echo "  a write:"
curl -s -D - -o "$work/refused.json" -X POST "$first/api/v1/studies" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d '{}' | tr -d '\r' | grep -iE '^(HTTP|retry-after|content-type)' | sed 's/^/    /'
sed 's/^/    /' "$work/refused.json"
echo
sleep $((outage - 2))
echo "up $(now_ms)" >>"$work/events" # the database is started: from here the service must find it again on its own
as_pg "$pgbin/pg_ctl" -D "$work/db" -l "$work/db.log" -w start >/dev/null
echo "database started again"
finish_load

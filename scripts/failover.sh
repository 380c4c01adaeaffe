#!/usr/bin/env bash
# Failover under load: two PostgreSQL clusters of the script's own on this machine (ports
# of its own; 5432 is the machine's and is left alone), a primary and a hot standby made
# with pg_basebackup, in synchronous replication (synchronous_standby_names,
# synchronous_commit = on: a commit is acknowledged only once the standby has it). Two
# processes of the service connect with a multi-host URL,
#   postgres://127.0.0.1:PRIMARY,127.0.0.1:STANDBY/kb?target_session_attrs=read-write
# and carry a bounded read and write load (internal/cmd/outageload). After BEFORE seconds
# (default 10) the primary is killed (kill -9: the postmaster and its processes), and
# PROMOTE_AFTER seconds later (default 2, a failover manager's detection time) the standby
# is promoted (pg_ctl promote). The service must reconnect and take writes again on its
# own. The load goes on AFTER seconds (default 20). It prints the write-unavailable window,
# reads served and their statuses, writes acknowledged and refused, acknowledged writes
# found afterwards in the promoted database (must equal), duplicates (must be 0) and the
# time to recover, and exits non-zero on a loss, a duplicate or a failed read. Loopback
# only; everything is torn down at the end, whatever happens.
#
#   scripts/failover.sh
#
# Needs PostgreSQL's server programs (Debian: apt-get install postgresql; KB_PG_BIN names
# their directory if they are elsewhere). Run as root, the servers run as the user postgres.
set -euo pipefail
cd "$(dirname "$0")/.."
before="${BEFORE:-10}"
promote_after="${PROMOTE_AFTER:-2}"
after="${AFTER:-20}"

clusters="primary standby"
# shellcheck source=scripts/pg-under-load.sh
source scripts/pg-under-load.sh
psql_at() { timeout 30 "$pgbin/psql" -h 127.0.0.1 -p "$1" -U postgres -d postgres -Atqc "$2"; }

p1=$(free_port "${KB_PG_PORT:-55441}")
p2=$(free_port $((p1 + 1)))

# the primary: streams its WAL to the standby (synchronously once the standby is up: a
# primary waiting for a standby that does not exist yet would commit nothing)
as_pg "$pgbin/initdb" -D "$work/primary" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
cat >>"$work/primary/postgresql.conf" <<EOF
port = $p1
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
wal_level = replica
max_wal_senders = 5
hot_standby = on
synchronous_commit = on
EOF
as_pg "$pgbin/pg_ctl" -D "$work/primary" -l "$work/primary.log" -w start >/dev/null
psql_at "$p1" "CREATE DATABASE kb TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"

# the hot standby: a base backup of the primary, following it under the name the primary
# waits for; once promoted it has no standby of its own, so it must not wait for one
as_pg "$pgbin/pg_basebackup" -h 127.0.0.1 -p "$p1" -U postgres -D "$work/standby" -X stream -R
cat >>"$work/standby/postgresql.conf" <<EOF
port = $p2
synchronous_standby_names = ''
EOF
echo "primary_conninfo = 'host=127.0.0.1 port=$p1 user=postgres application_name=standby1'" >>"$work/standby/postgresql.auto.conf"
as_pg "$pgbin/pg_ctl" -D "$work/standby" -l "$work/standby.log" -w start >/dev/null
# from now on the primary acknowledges a commit only once the standby has flushed it
psql_at "$p1" "ALTER SYSTEM SET synchronous_standby_names = 'standby1'" >/dev/null
psql_at "$p1" "SELECT pg_reload_conf()" >/dev/null
for _ in $(seq 1 100); do
  [ "$(psql_at "$p1" "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'")" = sync ] && break
  sleep 0.1
done
[ "$(psql_at "$p1" "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'")" = sync ] ||
  { echo "the standby is not in synchronous replication"; tail "$work/standby.log"; exit 1; }

dsn="postgres://postgres@127.0.0.1:$p1,127.0.0.1:$p2/kb?sslmode=disable&target_session_attrs=read-write"
start_replicas 2 8320 "$dsn" failover
echo "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}'): primary 127.0.0.1:$p1, synchronous hot standby 127.0.0.1:$p2"
echo "2 replicas ($targets) on $dsn"
echo "load for $((before + promote_after + after)) s; the primary is killed at +$before s, the standby promoted $promote_after s later"

start_load "$((before + promote_after + after))" failover
sleep "$before"
primary_pid=$(head -n 1 "$work/primary/postmaster.pid")
children=$(ps -o pid= --ppid "$primary_pid" | tr '\n' ' ')
echo "down $(now_ms)" >>"$work/events"
kill -9 "$primary_pid" $children
echo "primary killed (kill -9 of the postmaster $primary_pid and its processes)"
sleep "$promote_after"
echo "  /readyz of $first before the promotion:"
curl -s "$first/readyz" | sed 's/^/    /'
echo
echo "up $(now_ms)" >>"$work/events" # the failover starts: from here the service must find the new primary on its own
as_pg "$pgbin/pg_ctl" -D "$work/standby" -w promote >/dev/null
echo "standby promoted: $(psql_at "$p2" "SELECT CASE WHEN pg_is_in_recovery() THEN 'still a standby' ELSE 'now the primary' END")"
finish_load

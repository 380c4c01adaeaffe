#!/usr/bin/env bash
# Replicas on PostgreSQL: starts REPLICAS (default 3) processes on one fresh database on
# 127.0.0.1:5432, writes through the first, reads through the others, and prints how long
# each took to serve the write. Loopback only; bounded (ROUNDS writes, default 5).
#
#   scripts/replicas.sh [REPLICAS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
replicas="${1:-3}"
rounds="${2:-5}"
pg="${KB_PG:-postgres://postgres@127.0.0.1:5432}"
db="kb_replicas_$$"
work="$(mktemp -d)"
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  psql "$pg/test?sslmode=disable" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql "$pg/test?sslmode=disable" -qc "CREATE DATABASE $db TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"
dsn="$pg/$db?sslmode=disable"
go build -o "$work/kb" .

for i in $(seq 1 "$replicas"); do
  "$work/kb" -addr "127.0.0.1:$((8200 + i))" -db "$dsn" -catalog-image "$work/replica-$i.image" -log-format json 2>"$work/replica-$i.log" &
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$((8200 + i))/readyz" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$((8200 + i))/readyz" >/dev/null || { echo "replica $i did not start"; tail "$work/replica-$i.log"; exit 1; }
done
token=$("$work/kb" token create -db "$dsn" -name replicas-script -role curator | tail -n 1)
echo "$replicas replicas on one PostgreSQL database; writes through replica 1 (poll interval 250 ms)"

now_ms() { date +%s%3N; }
for round in $(seq 1 "$rounds"); do
  etag=$(curl -sfI http://127.0.0.1:8201/api/v1/studies/goodall-2011 | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
  title="Replica round $round $(now_ms)"
  start=$(now_ms)
  curl -sf -o /dev/null -X PATCH http://127.0.0.1:8201/api/v1/studies/goodall-2011 \
    -H "Authorization: Bearer $token" -H "If-Match: $etag" -H 'Content-Type: application/merge-patch+json' \
    -d "{\"title\": \"$title\"}"
  version=$(curl -sf http://127.0.0.1:8201/api/v1/studies/goodall-2011 | sed -n 's/.*"dataset_version":"\([0-9a-f]*\)".*/\1/p')
  line="round $round:"
  for i in $(seq 2 "$replicas"); do
    agreed=""
    for _ in $(seq 1 300); do
      body=$(curl -sf "http://127.0.0.1:$((8200 + i))/api/v1/studies/goodall-2011")
      if [[ "$body" == *"$title"* && "$body" == *"$version"* ]]; then agreed=$(( $(now_ms) - start )); break; fi
      sleep 0.01
    done
    [ -n "$agreed" ] || { echo "replica $i did not agree within 3 s"; exit 1; }
    line="$line replica $i agreed after ${agreed} ms;"
  done
  echo "$line"
done
etags=$(for i in $(seq 1 "$replicas"); do curl -sfI "http://127.0.0.1:$((8200 + i))/api/v1/studies/goodall-2011" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}'; done | sort -u | wc -l)
echo "same ETag on every replica: $([ "$etags" = 1 ] && echo yes || echo no)"

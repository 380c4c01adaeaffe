#!/usr/bin/env bash
# Load test: the service at 100,000 synthetic studies against a trivial Gin handler that
# answers a fixed JSON page of the same size, both measured in the same run with wrk on
# 127.0.0.1. Bounded: each measurement runs DURATION seconds (default 10).
#
#   scripts/loadtest.sh [STUDIES] [DURATION]
#
# KB_BEFORE=path/to/evidence-kb measures that binary (an earlier release) side by side:
# each endpoint is measured on both servers in turn, twice, on the same dataset, and the
# table gives both figures and their ratio. Extra server flags (e.g. -query-slots 2) come
# from KB_LOADTEST_FLAGS and apply to both.
set -euo pipefail
cd "$(dirname "$0")/.."
studies="${1:-100000}"
duration="${2:-10}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

go build -o "$work/kb" .
go build -o "$work/trivial" ./internal/cmd/trivial
echo "generating $studies synthetic studies"
"$work/kb" generate -studies "$studies" > "$work/synthetic.json"

# start BINARY PORT NAME: a server on its own store, rate limits off (wrk is one client on
# one address: it would measure 429s), once it is ready
start() {
  "$1" -addr "127.0.0.1:$2" -db "$work/$3.db" -dataset "$work/synthetic.json" -log-format json -rate-limit 0 ${KB_LOADTEST_FLAGS:-} 2>"$work/$3.log" &
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && return; sleep 0.5; done
  echo "$3 did not start"; tail "$work/$3.log"; exit 1
}
start "$work/kb" 8090 now
if [ -n "${KB_BEFORE:-}" ]; then start "$KB_BEFORE" 8092 before; fi
sleep 5 # let a first start's background work (saving the catalogue image) finish

list='/api/v1/studies?filter=theme:supporting-vulnerable-families,year:2010-2014,design:!survey&sort=-year,title'
search='/api/v1/studies?q=parental%20engagement'
facets='/api/v1/studies?filter=stage:primary|secondary,year:2010-2014&facets=theme,strand,disadvantage,design,stage,country,year&per_page=1'
gapmap='/api/v1/evidence-map?rows=theme&cols=strand&filter=year:2010-2014'

curl -sf "http://127.0.0.1:8090$list" > "$work/page.json"
"$work/trivial" -addr 127.0.0.1:8091 -page "$work/page.json" 2>/dev/null &
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:8091/page >/dev/null && break; sleep 0.2; done

# wrk URL: requests/s, p50 and p99 (and non-2xx answers, if any)
measure() {
  wrk -t2 -c32 -d"${duration}s" --latency "$1" > "$work/wrk.txt"
  awk '
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
    /Non-2xx/ { bad = $NF }
    END { printf "%s %s %s%s", rps, p50, p99, (bad ? " non-2xx:" bad : "") }' "$work/wrk.txt"
}

if [ -z "${KB_BEFORE:-}" ]; then
  printf '%-22s %12s %10s %10s\n' "endpoint" "requests/s" "p50" "p99"
  for e in "trivial-gin http://127.0.0.1:8091/page" "filtered-list http://127.0.0.1:8090$list" \
    "search http://127.0.0.1:8090$search" "facets http://127.0.0.1:8090$facets" "evidence-map http://127.0.0.1:8090$gapmap"; do
    set -- $e
    read -r rps p50 p99 bad <<<"$(measure "$2")"
    printf '%-22s %12s %10s %10s %s\n' "$1" "$rps" "$p50" "$p99" "${bad:-}"
    echo "$rps" > "$work/$1.rps"
  done
  ratio=$(awk -v a="$(cat "$work/filtered-list.rps")" -v b="$(cat "$work/trivial-gin.rps")" 'BEGIN { printf "%.2f", a / b }')
  echo "filtered list / trivial handler throughput: $ratio (target >= 0.25)"
  exit 0
fi

printf '%-14s %-7s %12s %10s %10s\n' "endpoint" "server" "requests/s" "p50" "p99"
read -r rps p50 p99 bad <<<"$(measure http://127.0.0.1:8091/page)"
printf '%-14s %-7s %12s %10s %10s %s\n' "trivial-gin" "" "$rps" "$p50" "$p99" "${bad:-}"
for e in "filtered-list $list" "search $search" "facets $facets" "evidence-map $gapmap"; do
  set -- $e
  declare -A best=()
  for round in 1 2; do
    for server in before:8092 now:8090; do
      read -r rps p50 p99 bad <<<"$(measure "http://127.0.0.1:${server#*:}$2")"
      printf '%-14s %-7s %12s %10s %10s %s\n' "$1" "${server%:*}" "$rps" "$p50" "$p99" "${bad:-}"
      best[${server%:*}]=$(awk -v a="$rps" -v b="${best[${server%:*}]:-0}" 'BEGIN { print (a > b ? a : b) }')
    done
  done
  awk -v e="$1" -v n="${best[now]}" -v b="${best[before]}" 'BEGIN { printf "%-14s now / before (best of two): %.2fx\n", e, n / b }'
done

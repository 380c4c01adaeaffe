#!/usr/bin/env bash
# Load test: the service at 100,000 synthetic studies against a trivial Gin handler that
# answers a fixed JSON page of the same size, both measured in the same run with wrk on
# 127.0.0.1. Bounded: each measurement runs DURATION seconds (default 10).
#
#   scripts/loadtest.sh [STUDIES] [DURATION]
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

# wrk is one client on one address: rate limits off, or it would measure 429s. Extra
# server flags (e.g. -query-slots 2) come from KB_LOADTEST_FLAGS.
"$work/kb" -addr 127.0.0.1:8090 -db "$work/kb.db" -dataset "$work/synthetic.json" -log-format json -rate-limit 0 ${KB_LOADTEST_FLAGS:-} 2>"$work/server.log" &
for _ in $(seq 1 600); do curl -sf http://127.0.0.1:8090/readyz >/dev/null && break; sleep 0.5; done
curl -sf http://127.0.0.1:8090/readyz >/dev/null || { echo "server did not start"; tail "$work/server.log"; exit 1; }

list='/api/v1/studies?filter=theme:supporting-vulnerable-families,year:2010-2014,design:!survey&sort=-year,title'
search='/api/v1/studies?q=parental%20engagement'
facets='/api/v1/studies?filter=stage:primary|secondary,year:2010-2014&facets=theme,strand,disadvantage,design,stage,country,year&per_page=1'
gapmap='/api/v1/evidence-map?rows=theme&cols=strand&filter=year:2010-2014'

curl -sf "http://127.0.0.1:8090$list" > "$work/page.json"
"$work/trivial" -addr 127.0.0.1:8091 -page "$work/page.json" 2>/dev/null &
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:8091/page >/dev/null && break; sleep 0.2; done

printf '%-22s %12s %10s %10s\n' "endpoint" "requests/s" "p50" "p99"
measure() {
  local name="$1" url="$2"
  wrk -t2 -c32 -d"${duration}s" --latency "$url" > "$work/wrk.txt"
  awk -v name="$name" '
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
    /Non-2xx/ { bad = $NF }
    END { printf "%-22s %12s %10s %10s%s\n", name, rps, p50, p99, (bad ? "  non-2xx: " bad : "") }' "$work/wrk.txt"
  awk '/Requests\/sec/ { print $2 }' "$work/wrk.txt" > "$work/$name.rps"
}
measure trivial-gin "http://127.0.0.1:8091/page"
measure filtered-list "http://127.0.0.1:8090$list"
measure search "http://127.0.0.1:8090$search"
measure facets "http://127.0.0.1:8090$facets"
measure evidence-map "http://127.0.0.1:8090$gapmap"
ratio=$(awk -v a="$(cat "$work/filtered-list.rps")" -v b="$(cat "$work/trivial-gin.rps")" 'BEGIN { printf "%.2f", a / b }')
echo "filtered list / trivial handler throughput: $ratio (target >= 0.25)"

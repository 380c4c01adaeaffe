#!/usr/bin/env bash
# Load test: the service at 100,000 synthetic studies against a trivial Gin handler that
# answers a fixed JSON page of the same size, both measured in the same run with wrk on
# 127.0.0.1. Bounded: each measurement runs DURATION seconds (default 10).
#
#   scripts/loadtest.sh [STUDIES] [DURATION]
#
# ROUNDS (default 2) interleaved rounds: in each, the trivial handler and then every
# endpoint on every server, in turn. The table gives each measurement and its ratio to the
# trivial handler of the same round; the summary, per endpoint and server, the median of
# those ratios. KB_BEFORE=path/to/evidence-kb measures that binary (an earlier release)
# side by side on the same dataset, and the summary adds now / before (best round of each).
# Extra server flags (e.g. -query-slots 2) come from KB_LOADTEST_FLAGS and apply to both.
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
# by the earlier release when there is one: a build reads the dataset formats before its
# own, not the ones after
"${KB_BEFORE:-$work/kb}" generate -studies "$studies" > "$work/synthetic.json"

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

detail="/api/v1/studies/$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$work/page.json" | head -n1)"
search2='/api/v1/studies?q=father*%20OR%20literacy'

# wrk URL: requests/s, p50 and p99 (and non-2xx answers, if any)
measure() {
  wrk -t2 -c32 -d"${duration}s" --latency "$1" > "$work/wrk.txt"
  awk '
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
    /Non-2xx/ { bad = $NF }
    END { printf "%s %s %s%s", rps, p50, p99, (bad ? " non-2xx:" bad : "") }' "$work/wrk.txt"
}

servers="now:8090"
[ -n "${KB_BEFORE:-}" ] && servers="before:8092 $servers"
endpoints=("get-by-id $detail" "filtered-list $list" "search $search" "search-or $search2" "facets $facets" "evidence-map $gapmap")
printf '%-6s %-14s %-7s %12s %10s %10s %8s\n' "round" "endpoint" "server" "requests/s" "p50" "p99" "/ gin"
: > "$work/results"
for round in $(seq 1 "${ROUNDS:-2}"); do
  read -r gin p50 p99 bad <<<"$(measure http://127.0.0.1:8091/page)"
  printf '%-6s %-14s %-7s %12s %10s %10s %8s %s\n' "$round" "trivial-gin" "" "$gin" "$p50" "$p99" "" "${bad:-}"
  for e in "${endpoints[@]}"; do
    set -- $e
    for server in $servers; do
      read -r rps p50 p99 bad <<<"$(measure "http://127.0.0.1:${server#*:}$2")"
      ratio=$(awk -v a="$rps" -v b="$gin" 'BEGIN { printf "%.3f", a / b }')
      printf '%-6s %-14s %-7s %12s %10s %10s %8s %s\n' "$round" "$1" "${server%:*}" "$rps" "$p50" "$p99" "$ratio" "${bad:-}"
      echo "$1 ${server%:*} $rps $ratio" >> "$work/results"
    done
  done
done

echo
echo "summary: median ratio to the trivial Gin handler over ${ROUNDS:-2} rounds (and now / before, best round of each)"
for e in "${endpoints[@]}"; do
  set -- $e
  awk -v e="$1" '
    $1 == e { n[$2]++; r[$2, n[$2]] = $4; if ($3 > best[$2]) best[$2] = $3 }
    END {
      line = sprintf("%-14s", e)
      for (s in n) {
        k = n[s]; for (i = 1; i <= k; i++) v[i] = r[s, i]
        for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
        med = (k % 2) ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
        line = line sprintf("  %s %.3fx", s, med)
      }
      if (best["before"] > 0) line = line sprintf("  now/before %.2fx", best["now"] / best["before"])
      print line
    }' "$work/results"
done

#!/usr/bin/env bash
# Start-up and memory: seeds a fresh SQLite store with STUDIES synthetic studies (default
# 100000), then prints for the first start (migrate, seed, build) and for a restart on the
# same store: seconds until /readyz answers 200, and the resident memory (VmRSS, split into
# anonymous memory and mapped file pages) then; the first start's again 10 s later, and
# the restart's after a few queries and after two full CSV exports, timed end to end,
# identity and gzipped (default flags, so paced by -export-rate). Loopback only; bounded by
# the start-up timeout (5 minutes) and the two exports.
#
#   scripts/startup.sh [STUDIES] [BINARY]   (BINARY: an evidence-kb binary to measure
#                                            instead of this checkout's)
set -euo pipefail
cd "$(dirname "$0")/.."
studies="${1:-100000}"
work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
bin="${2:-}"
if [ -z "$bin" ]; then
  go build -o "$work/kb" .
  bin="$work/kb"
fi
go run . generate -studies "$studies" > "$work/dataset.json"
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"

# rss prints the server's resident memory: in all, and as heap and other anonymous memory
# (RssAnon) and pages of mapped files, the catalogue image (RssFile)
rss() {
  awk '/VmRSS/ {t=$2} /RssAnon/ {a=$2} /RssFile/ {f=$2}
    END { printf "RSS %5d MiB (anonymous %d, file %d)", t/1024, a/1024, f/1024 }' "/proc/$pid/status"
}

# start runs the server and waits for /readyz; it prints the seconds taken and the RSS.
start() {
  local began now
  began=$(date +%s.%N)
  "$bin" -addr "127.0.0.1:$port" -db "$work/kb.db" -dataset "$work/dataset.json" 2>"$work/server.log" &
  pid=$!
  for _ in $(seq 6000); do
    if curl -fsS -o /dev/null "$base/readyz" 2>/dev/null; then
      now=$(date +%s.%N)
      printf '%-8s ready in %6.2f s, %s\n' "$1" "$(echo "$now - $began" | bc)" "$(rss)"
      return
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 0.05
  done
  echo "not ready after 5 minutes"; exit 1
}

stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

start "first"
sleep 10 # a first start saves its catalogue image in the background, then serves from it
printf '%-8s 10 s later, %s\n' "first" "$(rss)"
stop
start "restart"
for q in 'q=parental%20engagement' 'q=%22home%20learning%22' 'q=father*%20OR%20literacy' \
  'filter=stage:primary|secondary&facets=theme,strand,disadvantage,design,stage,country,year' \
  'filter=theme:supporting-vulnerable-families,year:2010-2014&sort=-year,title'; do
  curl -fsS -o /dev/null "$base/api/v1/studies?$q"
done
curl -fsS -o /dev/null "$base/api/v1/evidence-map?rows=disadvantage&cols=year"
printf '%-8s after searches, facets, a list and a map: %s\n' "restart" "$(rss)"
for enc in identity gzip; do
  curl -fsS -o /dev/null -H "Accept-Encoding: $enc" \
    -w "full CSV export ($enc): %{size_download} bytes in %{time_total} s\n" "$base/api/v1/studies?format=csv"
done
printf '%-8s after the exports (every record read): %s\n' "restart" "$(rss)"
stop

#!/usr/bin/env bash
# Start-up and memory: seeds a fresh SQLite store with STUDIES synthetic studies (default
# 100000), then prints for the first start (migrate, seed, build) and for a restart on the
# same store: seconds until /readyz answers 200, and the resident memory (VmRSS) then.
# Then times a full CSV export end to end, identity and gzipped, through the running
# server (default flags, so paced by -export-rate). Loopback only; bounded by the start-up
# timeout (5 minutes) and the two exports.
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

# start runs the server and waits for /readyz; it prints the seconds taken and the RSS.
start() {
  local began now
  began=$(date +%s.%N)
  "$bin" -addr "127.0.0.1:$port" -db "$work/kb.db" -dataset "$work/dataset.json" 2>"$work/server.log" &
  pid=$!
  for _ in $(seq 3000); do
    if curl -fsS -o /dev/null "$base/readyz" 2>/dev/null; then
      now=$(date +%s.%N)
      printf '%-8s ready in %6.2f s, RSS %5d MiB\n' "$1" "$(echo "$now - $began" | bc)" \
        "$(( $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024 ))"
      return
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 0.1
  done
  echo "not ready after 5 minutes"; exit 1
}

stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

start "first"
stop
start "restart"
for enc in identity gzip; do
  curl -fsS -o /dev/null -H "Accept-Encoding: $enc" \
    -w "full CSV export ($enc): %{size_download} bytes in %{time_total} s\n" "$base/api/v1/studies?format=csv"
done
stop

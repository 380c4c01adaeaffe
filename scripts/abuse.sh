#!/usr/bin/env bash
# Abuse load: abusive clients (each from its own loopback address) hammer the costliest
# requests while polite clients (4, in a process of their own) read study details; prints
# the polite p50/p99 alone and under abuse, their ratio (target: p99 within 5×), what the
# abusers got, and the server's CPU seconds, GC cycles and refusals meanwhile. Default rate limits on; a fresh temporary SQLite store seeded with STUDIES
# synthetic studies (default 100000; start-up at that size takes 20–30 s). Loopback only,
# bounded: two phases of 20 s (ABUSE_DURATION) plus start-up. Extra flags after STUDIES go
# to the Go program (go run ./internal/cmd/abuse -help).
#
#   scripts/abuse.sh [STUDIES] [-abusers 8 -conns 4 -duration 20s …]
set -euo pipefail
cd "$(dirname "$0")/.."
studies="${1:-100000}"
shift || true
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/kb" .
go build -o "$work/abuse" ./internal/cmd/abuse
echo "generating $studies synthetic studies…"
"$work/kb" generate -studies "$studies" > "$work/dataset.json"
"$work/abuse" -bin "$work/kb" -dataset "$work/dataset.json" -duration "${ABUSE_DURATION:-20s}" "$@"

#!/usr/bin/env bash
# Write latency: one curator's POST and PATCH of one study, end to end from a client on
# loopback, at 110 and 100,000 synthetic studies (p50, p99, max of K sequential writes of
# each), and the writes a second of 8 concurrent writers. Fresh temporary SQLite stores,
# rate limits off. KB_BEFORE=path/to/old-binary measures an earlier build side by side on
# the same datasets. Bounded: K writes of each kind plus a 10 s throughput phase per size
# and build, plus start-ups (20–60 s each at 100,000). Extra flags go to the Go program
# (go run ./internal/cmd/writelatency -help), e.g. -studies 110,10000,100000 -k 300.
#
#   [KB_BEFORE=/tmp/kb-before] scripts/writelatency.sh [-studies 110,100000 -k 200 -duration 10s …]
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/kb" .
go build -o "$work/writelatency" ./internal/cmd/writelatency
before=()
if [[ -n "${KB_BEFORE:-}" ]]; then
  before=(-before "$KB_BEFORE")
fi
"$work/writelatency" -bin "$work/kb" "${before[@]}" -dir "$work/run" "$@"

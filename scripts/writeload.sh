#!/usr/bin/env bash
# Write load: 8 curators writing and 32 readers reading for DURATION (default 60s) on a
# fresh store, then a kill -9 in the middle of writes and a check, after restart, that no
# acknowledged write was lost and nothing half-written is there. Loopback only, bounded.
#
#   scripts/writeload.sh [DURATION]
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/kb" .
go run ./internal/cmd/writeload -bin "$work/kb" -duration "${1:-60s}"

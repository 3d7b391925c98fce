#!/usr/bin/env bash
# 1000 kiosks reconnecting at once after a SAMAD outage, measured at the simulator: requests per
# second and per 100 ms window, peak against steady, with full jitter and without (goal with jitter:
# requests per second at the peak <= 2x the steady rate).
# Each kiosk is a real relay with its own store, client (connection pool) and TLS identity; all
# run in one process against the real simulator over mutual TLS on loopback.
#
#   tools/bench/sync_reconnect.sh [KIOSKS] [PERIOD_MS] [OUTAGE_MS]     (1000 4000 10000)
#   PROFILE=release tools/bench/sync_reconnect.sh                      (optimised build)
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=()
if [[ "${PROFILE:-debug}" == release ]]; then profile=(--release); fi
# Two sockets and a database per kiosk.
ulimit -n 16384 2>/dev/null || true
exec cargo run "${profile[@]}" -q -p kiosk-sync --example reconnect_load -- "$@"

#!/usr/bin/env bash
# The screen's thread under a slow printer, measured (not a test): the same complaint journeys
# with slow jobs run inline (the kiosk before the worker thread) and on the worker thread, the
# simulated receipt printer throttled to a 38,400-baud serial line, every screen drawn by the
# software renderer. Prints one table: the longest and 99th-percentile stall of the screen's
# thread (goal ≤ 20 ms), confirm → printing screen drawn (goal ≤ 50 ms), confirm → done.
# Usage: tools/bench/ui/stall.sh [JOURNEYS]   (default 50; about 5 s a journey, both modes)
# The program: firmware/app/examples/ui_stall.rs.
set -euo pipefail
cd "$(dirname "$0")/../../.."

# shellcheck source=tools/packages.sh
. tools/packages.sh
kiosk_packages install build

cargo run --release --locked -p kiosk --example ui_stall -- "${1:-50}"

#!/usr/bin/env bash
# UI benchmarks, measured (not tests): the kiosk's Slint UI (software renderer) beside the same
# page set as static HTML (pages.html) in Chromium. Prints one table:
#   - process start to first frame, headless (PNG written) and under Xvfb (pixels on the X screen)
#   - RSS after JOURNEYS full visitor journeys (goal for the kiosk: ≤ 50 MB)
#   - idle CPU on the attract screen over IDLE_SECONDS (goal: ≤ 0.5 % of a core)
# Environment: JOURNEYS (50), IDLE_SECONDS (60), RUNS (5, for the medians), KIOSK_BIN (use this
# kiosk binary instead of building one with --release).
# Installs chromium, xvfb and x11-apps with apt-get when missing; builds kiosk with --release.
# Takes about 5 minutes after the build.
set -euo pipefail
cd "$(dirname "$0")/../../.."

# shellcheck source=tools/packages.sh
. tools/packages.sh
kiosk_packages install build bench

if [ -n "${KIOSK_BIN:-}" ]; then
    kiosk="$KIOSK_BIN"   # an already built binary (e.g. a debug build), reported as such
else
    echo "==> cargo build --release -p kiosk"
    cargo build --release --locked -p kiosk
    kiosk="${CARGO_TARGET_DIR:-target}/release/kiosk"
fi

work=$(mktemp -d)
xvfb_pid=""
cleanup() {
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/www"
cp tools/bench/ui/pages.html ui/fonts/Vazirmatn-Regular.ttf ui/fonts/Vazirmatn-Bold.ttf "$work/www/"

for n in $(seq 140 199); do
    [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || { display=":$n"; break; }
done
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done

echo "==> $(nproc) cores, $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg); $kiosk ($("$kiosk" --version)); $(chromium --version 2>/dev/null)"
BENCH_DISPLAY="$display" python3 tools/bench/ui/bench.py "$kiosk" "$work/www" "$work"
